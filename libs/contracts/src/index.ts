export * from './catalog-types.js';
export * from './subject-match.js';
