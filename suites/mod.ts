/**
 * The suites: one declarative description per paper table, registered by name.
 *
 * @module
 */
export {};
