import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

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
		fileParallelism: true
	}
});
