// Types for the tests that import the rule (the rule itself is plain JavaScript so ESLint loads it as it is).
import type { Rule } from 'eslint';

declare const rule: Rule.RuleModule;
export default rule;
