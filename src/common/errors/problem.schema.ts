import { z } from 'zod';

/** One field-level problem (`FieldProblem`); a pipeline definition read from YAML also says where (`line`, `column`). */
export const FieldProblemSchema = z.looseObject({
  path: z.string(),
  message: z.string(),
  line: z.int().optional().describe('Where `path` is in a YAML body, 1-based'),
  column: z.int().optional(),
  position: z.int().optional().describe('In a string holding an expression: the 1-based character the problem is about'),
  code: z.string().optional().describe('The kind of problem, where one is given'),
});

/**
 * The body of every error answer (RFC 9457 problem+json), as `ProblemFilter` writes it. Some codes
 * add members of their own (`limit`, `plan`, `upgradeTo` of a plan limit, `decision` of an
 * approval decided first by someone else), so further members are allowed.
 */
export const ProblemSchema = z.looseObject({
  type: z.string().describe('`urn:baton:problem:<code>`'),
  title: z.string(),
  status: z.int().min(400).max(599),
  detail: z.string().optional(),
  code: z.string().describe('What went wrong, in a word a client can switch on (`not_found`, `plan_limit_reached`, …)'),
  instance: z.string().optional().describe('The request path'),
  errors: z.array(FieldProblemSchema).optional().describe('Each field that is not valid'),
});
