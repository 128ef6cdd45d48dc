/** Public API of @snowtrail/policy: statement classes, rule schema, tokenizer, classifier, decide. */
export * from './statement-class.js';
export * from './rules-schema.js';
