// Emulator-backed tests wait on real I/O (transactions under contention, HTTP timeouts).
jest.setTimeout(60_000);
