/**
 * The operator's whole-table reads. Imported by src/admin/ only (never through
 * src/patterns/index.ts): the service and the worker issue no Scan. Repairs are in ../repair.ts.
 */
export * from './scan.js';
