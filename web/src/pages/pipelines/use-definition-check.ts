import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ApiProblem } from '../../api/problem';
import { pipelineKeys, validateYaml, type CheckedText } from './pipelines-api';
import { yamlSyntaxProblems } from './problem-diagnostics';

const CHECK_DELAY_MS = 600;

/** Checks a text as the API would save it: syntax here, everything else by POST /v1/pipelines/validate. */
export async function checkDefinition(text: string): Promise<CheckedText> {
  const syntax = yamlSyntaxProblems(text);
  if (syntax.length) return { text, problems: syntax };
  try {
    const { plan } = await validateYaml(text);
    return { text, problems: [], plan };
  } catch (failure) {
    // 422 (and a 400 naming fields) is an answer about the text, not a failure to ask.
    if (failure instanceof ApiProblem && failure.errors.length && (failure.status === 422 || failure.status === 400))
      return { text, problems: failure.errors };
    throw failure;
  }
}

/** The check of what the user is typing, a moment after they pause; the previous answer stays until the next comes. */
export function useDefinitionCheck(text: string) {
  const [settled] = useDebouncedValue(text, CHECK_DELAY_MS);
  return useQuery({
    queryKey: pipelineKeys.validation(settled),
    queryFn: () => checkDefinition(settled),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    gcTime: 60_000,
    retry: false,
  });
}
