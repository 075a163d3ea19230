/**
 * The report each call is looking at right now: one per consult, in memory. It is a pointer
 * (which document, which page), not data: the document itself was shared and audited by
 * shareDocumentIntoConsult, and everyone admitted opens it through the access module. A restart
 * forgets the pointer; the clinician shows the report again.
 *
 * On globalThis for the reason runtime.ts gives (the SvelteKit bundle and the server entry each
 * load their own copy of this module).
 */
import type { SharedView } from '../../realtime/consult-events';

export type { SharedView };

const viewsKey = Symbol.for('clinicsync.consult-shared-views');
type ViewsHolder = { [viewsKey]?: Map<string, SharedView> };

function views(): Map<string, SharedView> {
	return ((globalThis as ViewsHolder)[viewsKey] ??= new Map());
}

export function getSharedView(consultId: string): SharedView | null {
	return views().get(consultId) ?? null;
}

/** Sets (or, with null, clears) what the call shows. The caller publishes the consult change. */
export function setSharedView(consultId: string, view: SharedView | null): void {
	if (view) views().set(consultId, { ...view });
	else views().delete(consultId);
}
