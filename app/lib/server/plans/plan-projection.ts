import type * as Y from 'yjs';
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { treatmentPlans } from '../../../../db/schema/index';
import { initializePlanDocument, readPlan } from '../../collab/plan-shape';
import { jsonEqual } from '../../collab/plain-json';
import { planChangeNotices, type PlanChangeNotices } from './plan-change-notices';

/**
 * The `plan:<id>` document and its row. The document is the source of truth for the plan's
 * content; the row carries a projection of it (treatment_plans.content, title, status,
 * start_date) that the portal list, the tracker and the missed-dose job read without opening
 * the document. The collaboration server calls both hooks (collab-server/document-kinds.ts).
 */

/** Fills a new plan document's meta from its row (created by createPlan); an initialized document is left alone. */
export async function seedPlanDocument(db: Database, planId: string, doc: Y.Doc): Promise<void> {
	const [plan] = await db.select().from(treatmentPlans).where(eq(treatmentPlans.id, planId));
	// No row: the document is refused by the access check before it gets here; nothing to seed.
	if (!plan) return;
	initializePlanDocument(doc, { title: plan.title, startDate: plan.startDate, status: plan.status });
}

export interface ProjectPlanOptions {
	now?: Date;
	/** The patient-notice debounce (tests pass their own, with a fake clock). */
	notices?: PlanChangeNotices;
}

/**
 * Writes the document's content to the row. When the content differs from what the row held,
 * content_changed_at moves and the patient's "your plan changed" notice is (re)scheduled; an
 * identical projection (a reload, a no-op edit) writes nothing and tells no one.
 */
export async function projectPlan(db: Database, planId: string, doc: Y.Doc, options: ProjectPlanOptions = {}): Promise<void> {
	const content = readPlan(doc);
	// Not initialized yet (the seed runs first): nothing to project.
	if (!content.meta) return;
	const [plan] = await db.select().from(treatmentPlans).where(eq(treatmentPlans.id, planId));
	if (!plan) return;
	const { meta } = content;
	const projected = JSON.parse(JSON.stringify(content)) as Record<string, unknown>;
	const contentChanged = !jsonEqual(projected, plan.content);
	const rowChanged = plan.title !== meta.title || plan.status !== meta.status || plan.startDate !== meta.startDate;
	if (!contentChanged && !rowChanged) return;
	const now = options.now ?? new Date();
	await db
		.update(treatmentPlans)
		.set({
			content: projected,
			title: meta.title,
			status: meta.status,
			startDate: meta.startDate,
			updatedAt: now,
			...(contentChanged ? { contentChangedAt: now } : {})
		})
		.where(eq(treatmentPlans.id, planId));
	if (contentChanged) (options.notices ?? planChangeNotices()).schedule(db, planId);
}
