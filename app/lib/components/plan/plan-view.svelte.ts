import type * as Y from 'yjs';
import { readPlan, type PlanDocumentContent } from '$lib/collab/plan-shape';

/**
 * The plan document as a page reads it: plain values, re-read after every change that reaches
 * this tab (a local edit or someone else's). Plans are small; reading the whole plan per change
 * keeps this simple.
 */
export class PlanView {
	content = $state.raw<PlanDocumentContent>({ meta: null, goals: [], interventions: [], medicationSchedule: [], reviewDates: [] });
	/** Changes seen since the page opened (the page reloads its tracker figures on a change). */
	revision = $state(0);

	#stop: () => void;

	constructor(doc: Y.Doc) {
		this.content = readPlan(doc);
		const refresh = () => {
			this.content = readPlan(doc);
			this.revision += 1;
		};
		doc.on('update', refresh);
		this.#stop = () => doc.off('update', refresh);
	}

	destroy(): void {
		this.#stop();
	}
}
