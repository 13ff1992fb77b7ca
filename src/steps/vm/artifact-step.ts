/**
 * Steps whose product is a file beside the state (the RDP file, the account table). The content is
 * rendered from config and journal alone; a digest in the outputs lets plan tell whether it would change.
 */
import { createHash } from 'node:crypto';
import { assertNoSecrets, secretValues } from '../../config/secrets.js';
import type { StepContext, StepImplementation } from '../../engine/step.js';
import { recorded } from './target.js';

export interface Artifact {
  readonly name: string;
  readonly content: string;
  /** The output key that records where the file was written. */
  readonly output: string;
}

const digestOf = (artifacts: readonly Artifact[]) =>
  createHash('sha256').update(artifacts.map((a) => `${a.name}\n${a.content}`).join('\n')).digest('hex').slice(0, 16);

export function artifactStep(render: (ctx: StepContext) => Artifact[], note?: (ctx: StepContext) => string | undefined): StepImplementation {
  return {
    async plan(ctx) {
      const before = recorded(ctx);
      if (!before) return { change: 'create' };
      return before.contentDigest === digestOf(render(ctx)) ? { change: 'unchanged' } : { change: 'update', differences: ['the content changed with the config or the deployment'] };
    },
    async apply(ctx) {
      const artifacts = render(ctx);
      const outputs: Record<string, string> = { contentDigest: digestOf(artifacts) };
      for (const artifact of artifacts) {
        assertNoSecrets(artifact.content, secretValues(ctx.secrets), artifact.name);
        outputs[artifact.output] = await ctx.artifacts.write(artifact.name, artifact.content);
      }
      const message = note?.(ctx);
      if (message) ctx.note(message);
      return { change: 'create', outputs };
    },
  };
}
