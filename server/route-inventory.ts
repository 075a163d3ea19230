/**
 * Every route the app serves, read from app/routes: endpoints (+server.ts, with their HTTP
 * methods) and pages (+page.server.ts, with their form actions). Tests walk this list so that
 * a new route is exercised by the bad-input test (and, later, the access matrix) without
 * anyone remembering to add it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const routesDir = fileURLToPath(new URL('../app/routes', import.meta.url));

export interface RouteEntry {
	/** SvelteKit route id, e.g. "/(staff)/patients/[patientId]". */
	id: string;
	kind: 'endpoint' | 'page';
	methods: string[];
	/** Form action names ("default" for a default action). */
	actions: string[];
	params: string[];
}

function walk(dir: string): string[] {
	return readdirSync(dir).flatMap((entry) => {
		const full = path.join(dir, entry);
		return statSync(full).isDirectory() ? walk(full) : [full];
	});
}

export function listRoutes(): RouteEntry[] {
	const entries: RouteEntry[] = [];
	for (const file of walk(routesDir)) {
		const name = path.basename(file);
		const dir = path.relative(routesDir, path.dirname(file));
		const id = '/' + dir.split(path.sep).filter(Boolean).join('/');
		const params = [...id.matchAll(/\[(?:\.\.\.)?([^\]=]+)(?:=[^\]]+)?\]/g)].map((m) => m[1]!);
		const source = readFileSync(file, 'utf8');
		if (name === '+server.ts') {
			const methods = [...source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]!);
			entries.push({ id, kind: 'endpoint', methods, actions: [], params });
		} else if (name === '+page.server.ts') {
			const block = /export const actions[^=]*=\s*\{([\s\S]*?)\n\};/.exec(source)?.[1] ?? '';
			const actions = [...block.matchAll(/^\t([a-zA-Z]+):/gm)].map((m) => m[1]!);
			entries.push({ id, kind: 'page', methods: ['GET'], actions, params });
		} else if (name === '+page.svelte' && !walk(path.dirname(file)).some((f) => path.dirname(f) === path.dirname(file) && path.basename(f) === '+page.server.ts')) {
			entries.push({ id, kind: 'page', methods: ['GET'], actions: [], params });
		}
	}
	return entries.sort((a, b) => a.id.localeCompare(b.id));
}

/** The URL path for a route id, with each parameter filled by `fill`. Groups "(x)" vanish. */
export function routePath(id: string, fill: (param: string) => string): string {
	const pathname = id
		.split('/')
		.filter((segment) => segment && !/^\(.*\)$/.test(segment))
		.map((segment) => segment.replace(/\[(?:\.\.\.)?([^\]=]+)(?:=[^\]]+)?\]/g, (_m, p: string) => encodeURIComponent(fill(p))))
		.join('/');
	return '/' + pathname;
}
