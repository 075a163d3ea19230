import { statSync } from 'node:fs';
import path from 'node:path';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import type { TestSequencer, TestSpecification, Vitest } from 'vitest/node';

/**
 * Seconds the slowest test files take on CI's two cores (the durable log's 20 SIGKILL rounds, the
 * 10,000-frame fuzz, the access matrix on both databases, …). With two files at a time, a long file
 * that starts last makes the whole run wait for it alone; started first, the short ones fill the
 * other worker meanwhile.
 */
const slowTestFiles: Record<string, number> = {
	'collab-server/durability.int.test.ts': 162,
	'collab-server/fuzz.int.test.ts': 75,
	'server/access-matrix.int.test.ts': 67,
	'server/bad-input.int.test.ts': 50,
	'collab-server/database-outage.int.test.ts': 43,
	'server/shutdown.int.test.ts': 32
};

/**
 * Longest first. Vitest's own order uses the durations of the previous run, which a fresh clone
 * (CI) does not have, and then falls back to the file size, which puts these small, slow files
 * last. Here a file's duration is the previous run's when known, else the figure above; files
 * with neither follow, largest first.
 */
class SlowestFirstSequencer implements TestSequencer {
	constructor(private readonly ctx: Vitest) {}

	async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const estimate = (spec: TestSpecification) => {
			const cached = this.ctx.cache.getTestSpecificationResult(spec);
			if (cached && !cached.failed) return cached.duration / 1000;
			return slowTestFiles[path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join('/')] ?? 0;
		};
		const size = (spec: TestSpecification) => statSync(spec.moduleId, { throwIfNoEntry: false })?.size ?? 0;
		const keyed = files.map((spec) => ({ spec, seconds: estimate(spec), size: size(spec) }));
		return keyed.sort((a, b) => b.seconds - a.seconds || b.size - a.size).map((k) => k.spec);
	}

	async shard(files: TestSpecification[]): Promise<TestSpecification[]> {
		// Only `--shard` uses this: Vitest's own split (its module is loaded only then).
		const { BaseSequencer } = await import('vitest/node');
		return new BaseSequencer(this.ctx).shard(files);
	}
}

export default defineConfig({
	plugins: [sveltekit()],
	server: { fs: { allow: ['db', 'collab-server', 'media'] } },
	// The Svelte compile plugin is slow by nature on two cores; its timing report is noise.
	build: { rolldownOptions: { checks: { pluginTimings: false } } },
	test: {
		include: ['app/**/*.test.ts', 'db/**/*.test.ts', 'collab-server/**/*.test.ts', 'media/**/*.test.ts', 'server/**/*.test.ts', 'scripts/**/*.test.ts'],
		environment: 'node',
		testTimeout: 60_000,
		hookTimeout: 120_000,
		// Two cores: test files run two at a time; each database test makes its own databases.
		maxWorkers: 2,
		fileParallelism: true,
		sequence: { sequencer: SlowestFirstSequencer }
	}
});
