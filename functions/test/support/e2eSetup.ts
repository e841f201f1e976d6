// End-to-end tests start Functions emulator workers (~4 s each) and run the real model.
jest.setTimeout(120_000);
