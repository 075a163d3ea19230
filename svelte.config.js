import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	vitePlugin: {
		// Integration tests import the production build (build/); its chunks are named
		// `*.svelte.js` but are already compiled, and must not be compiled again.
		experimental: { compileModule: { exclude: ['build/**'] } }
	},
	kit: {
		adapter: adapter({ out: 'build' }),
		files: {
			src: 'app',
			assets: 'app/static',
			lib: 'app/lib',
			routes: 'app/routes',
			appTemplate: 'app/app.html',
			hooks: { server: 'app/hooks.server', client: 'app/hooks.client', universal: 'app/hooks' },
			params: 'app/params'
		},
		// Call transports live beside the app (media/), shared by the browser and the server.
		alias: { $media: 'media' },
		// Cross-site form posts are refused by SvelteKit's origin check; keep it on.
		csrf: { trustedOrigins: [] },
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				// libsodium (end-to-end encrypted messaging) compiles its WebAssembly in the page;
				// 'wasm-unsafe-eval' allows WebAssembly compilation only, not eval() of script.
				'script-src': ['self', 'wasm-unsafe-eval'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'connect-src': ['self', 'ws:', 'wss:'],
				'media-src': ['self', 'blob:'],
				'frame-ancestors': ['none'],
				'form-action': ['self'],
				'base-uri': ['self'],
				'object-src': ['none']
			}
		}
	}
};

export default config;
