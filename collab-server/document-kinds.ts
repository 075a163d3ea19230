import type * as Y from 'yjs';
import type { Database } from '../db/client';
import { parseDocumentName, type CollabDocumentRef } from '../app/lib/collab/document-names';
import { changedParts } from '../app/lib/collab/document-shape';
import { seedChartDocument } from '../app/lib/server/charts/chart-seed';
import { projectChart } from '../app/lib/server/charts/chart-projection';
import { projectPlan, seedPlanDocument } from '../app/lib/server/plans/plan-projection';

/**
 * What each kind of document does beyond being edited: how a new one is filled (a chart from
 * the patient's existing rows, a plan from its row) and which relational rows follow its
 * content. The domain modules do the work; this only maps kinds to them.
 */
interface DocumentKindHooks {
	seed?: (db: Database, ref: CollabDocumentRef, doc: Y.Doc) => Promise<void>;
	project?: (db: Database, ref: CollabDocumentRef, doc: Y.Doc) => Promise<void>;
}

const hooksByKind: Record<CollabDocumentRef['kind'], DocumentKindHooks> = {
	chart: {
		seed: (db, ref, doc) => seedChartDocument(db, (ref as { patientId: string }).patientId, doc),
		project: (db, ref, doc) => projectChart(db, (ref as { patientId: string }).patientId, doc)
	},
	plan: {
		seed: (db, ref, doc) => seedPlanDocument(db, (ref as { planId: string }).planId, doc),
		project: (db, ref, doc) => projectPlan(db, (ref as { planId: string }).planId, doc)
	},
	note: {},
	annotations: {}
};

export function documentSeeder(db: Database) {
	return async (documentName: string, doc: Y.Doc): Promise<void> => {
		const ref = parseDocumentName(documentName);
		const seed = ref && hooksByKind[ref.kind].seed;
		if (ref && seed) await seed(db, ref, doc);
	};
}

export function documentProjector(db: Database) {
	return (documentName: string) => {
		const ref = parseDocumentName(documentName);
		const project = ref && hooksByKind[ref.kind].project;
		if (!ref || !project) return null;
		return (_name: string, doc: Y.Doc) => project(db, ref, doc);
	};
}

export function documentChangedParts(documentName: string, transaction: Y.Transaction): string[] {
	const ref = parseDocumentName(documentName);
	return ref ? changedParts(ref.kind, transaction) : [];
}
