import { Button, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { hasRole, useMe } from '../../auth/use-me';
import { AnchorLink } from '../../components/anchor-link';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { PromoteModal, RollbackModal } from './model-actions';
import { ChampionVsChallenger } from './model-champion';
import { pickChallenger, type ModelVersion } from './model-compare';
import { StageHistory } from './model-history';
import { parseModelSearch } from './model-search';
import { GuardVerdicts, VerdictCard } from './model-verdicts';
import { VersionsTable } from './model-versions';

/**
 * A model: the guard's newest verdict, its champion against a challenger, its versions with their
 * metrics, promote and roll back, every verdict, and its stage history.
 */
export function ModelView({
  name,
  challenger,
  onChallenger,
}: {
  name: string;
  challenger?: number;
  onChallenger: (version: number) => void;
}) {
  const me = useMe();
  const canMove = hasRole(me.data?.role, 'operator');
  const [promoting, setPromoting] = useState<ModelVersion | null>(null);
  const [rollingBack, setRollingBack] = useState(false);
  const model = useQuery({
    queryKey: ['models', 'detail', name],
    queryFn: () => ok(api.GET('/v1/models/{name}', { params: { path: { name } } })),
  });
  const versions = useCursorList(['models', 'versions', name], (cursor) =>
    ok(api.GET('/v1/models/{name}/versions', { params: { path: { name }, query: { cursor } } })),
  );
  const loaded = versions.items;
  const champion = model.data?.productionVersion ?? null;
  const contender = pickChallenger(loaded, challenger);

  return (
    <Stack gap="lg">
      <PageHeader
        title={name}
        description={
          model.data && (
            <>
              {champion ? `v${champion.version} is in production` : 'Nothing in production yet'}
              {model.data.latestVersion ? `; the newest version is v${model.data.latestVersion.version}.` : '.'}{' '}
              <AnchorLink to="/models" size="sm">
                All models
              </AnchorLink>
            </>
          )
        }
        actions={
          canMove &&
          champion && (
            <Button variant="light" color="orange" onClick={() => setRollingBack(true)}>
              Roll back production
            </Button>
          )
        }
      />
      {me.data && !canMove && (
        <Text size="sm" c="dimmed">
          You can look: promoting versions and rolling back need the operator role.
        </Text>
      )}
      <ProblemAlert error={model.error} title="Could not load the model" />
      <ProblemAlert error={versions.error} title="Could not load the versions" />
      {(model.isPending || versions.isPending) && <Skeleton h={300} />}
      {model.data && versions.data && (
        <>
          {model.data.lastComparison && <VerdictCard verdict={model.data.lastComparison} title="The guard's newest verdict" />}
          <ChampionVsChallenger champion={champion} challenger={contender} versions={loaded} onChallenger={onChallenger} />
          <Stack gap="sm">
            <Title order={2} size="h3">
              Versions
            </Title>
            <VersionsTable
              versions={loaded}
              challenger={contender?.version}
              canMove={canMove}
              onCompare={onChallenger}
              onPromote={setPromoting}
            />
            <LoadMore list={versions} label="Load older versions" />
          </Stack>
          <Stack gap="sm">
            <Title order={2} size="h3">
              Guard verdicts
            </Title>
            <GuardVerdicts name={name} />
          </Stack>
          <Stack gap="sm">
            <Title order={2} size="h3">
              Stage history
            </Title>
            <StageHistory history={model.data.history} />
          </Stack>
          <PromoteModal name={name} version={promoting} champion={champion} onClose={() => setPromoting(null)} />
          <RollbackModal model={model.data} opened={rollingBack} onClose={() => setRollingBack(false)} />
        </>
      )}
    </Stack>
  );
}

/** /models/$name?challenger=: the challenger is in the URL, so a comparison is a link. */
export function ModelPage() {
  const { name } = useParams({ strict: false });
  const search = parseModelSearch(useSearch({ strict: false }));
  const navigate = useNavigate();
  return (
    <ModelView
      name={name ?? ''}
      challenger={search.challenger}
      onChallenger={(version) => void navigate({ to: '.', search: { challenger: version }, replace: true })}
    />
  );
}
