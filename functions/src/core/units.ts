/**
 * @module units
 * What a call costs, in units, computed from its input before the model runs, so the charge is
 * known when it is reserved: one unit per started 100 characters of each input (a 1-character
 * input costs 1, a 2,000-character input costs 20). Plans limit calls, units, or both.
 */
export const CHARS_PER_UNIT = 100;

export function unitsFor(inputs: readonly string[]): number {
  return inputs.reduce((sum, text) => sum + Math.max(1, Math.ceil(text.length / CHARS_PER_UNIT)), 0);
}
