/** Tests that load the real triggers give the params their defaults first, as the CLI would. */
export { applyParamDefaults } from "../../src/config";
