// Layout of the verifier's result buffer (f64 slots), shared with ts/data/verifier.ts which
// mirrors these numbers (a unit test checks that both sides agree through verifyLayout()).
//
// Header (HEADER slots), then for a detailed judgement: one (issues, output step) pair per gold
// node, then H_LISTED_STEPS output step records. goldInfo() writes the header then one step record
// per gold node. A step record is: kind, canonical id, name start, name length (bytes into the
// text), letter code, parse flags, first unknown letter, value ok, a, b (value a*x + b),
// dependency count, the number of inconsistency slots (0, or ISSUE_SLOTS for the step's first
// inconsistency, chain.ts), those slots, then the dependencies.
export const H_STATUS = 0;
export const H_GOLD_NODES = 1;
export const H_OUTPUT_STEPS = 2;
export const H_VALUE_MISMATCHES = 3;
export const H_DEPENDENCY_MISMATCHES = 4;
export const H_MISSING = 5;
export const H_EXTRA = 6;
export const H_ANSWER_SOURCE = 7;
export const H_ANSWER_PARSED = 8;
export const H_ANSWER_VALUE = 9;
export const H_ANSWER_CORRECT = 10;
export const H_EXPECTED_ANSWER = 11;
export const H_GOLD_ISSUES = 12;
export const H_LISTED_STEPS = 13;
export const HEADER = 14;
export const STEP_FIXED = 12;

export const STATUS_OK = 0;
export const STATUS_TOO_LONG = 1;
export const STATUS_BAD_GOLD = 2;

export const GOLD_OK = 0;
export const GOLD_NONE = 1;
export const GOLD_TOO_LONG = 2;
export const GOLD_NO_STEPS = 3;
export const GOLD_NO_ANSWER = 4;

export const ISSUE_VALUE = 1;
export const ISSUE_DEPENDENCY = 2;
export const ISSUE_MISSING = 4;

export const STEP_MATCHED = 0;
export const STEP_NOT_IN_GOLD = 1;
export const STEP_DUPLICATE = 2;
export const STEP_MALFORMED = 3;
