import { ApiProblem } from '../../api/problem';

/** The API's message about one field of a failed call, for the control that field came from. */
export function fieldError(error: unknown, path: string): string | undefined {
  return error instanceof ApiProblem ? error.about(path) : undefined;
}
