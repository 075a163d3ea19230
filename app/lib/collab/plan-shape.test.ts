import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	checkPlanShape,
	initializePlanDocument,
	planGoals,
	planMeta,
	planReviewDates,
	readPlan,
	removePlanGoal,
	setPlanMeta,
	setReviewDates,
	upsertIntervention,
	upsertPlanGoal,
	upsertScheduledMedication,
	type PlanGoal
} from './plan-shape';
import { ShapeError } from './shape-issues';

const goalId = '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed';
const otherId = '9b2a7c3e-1d4f-4e8a-b6c5-d7e8f9a0b1c2';
const bloodPressureGoal: PlanGoal = {
	description: 'Lower systolic blood pressure',
	measure: 'systolic_bp',
	unit: 'mm[Hg]',
	baseline: 152,
	target: 130,
	direction: 'decrease',
	targetDate: '2026-09-01'
};

describe('plan shape', () => {
	it('initializes a new plan once and reads it back', () => {
		const doc = new Y.Doc();
		expect(readPlan(doc).meta).toBeNull();
		expect(checkPlanShape(doc)).toBeNull();
		initializePlanDocument(doc, { title: 'Hypertension plan', startDate: '2026-06-01' });
		initializePlanDocument(doc, { title: 'Other title', startDate: '2026-07-01' });
		expect(readPlan(doc).meta).toEqual({ title: 'Hypertension plan', status: 'draft', startDate: '2026-06-01' });
		setPlanMeta(doc, { status: 'active' });
		expect(readPlan(doc).meta?.status).toBe('active');
		expect(() => setPlanMeta(doc, { title: '' })).toThrow(/title must not be empty/);
	});

	it('keeps goals, interventions and the medication schedule', () => {
		const doc = new Y.Doc();
		initializePlanDocument(doc, { title: 'Diabetes plan', startDate: '2026-06-01' });
		upsertPlanGoal(doc, goalId, bloodPressureGoal);
		upsertPlanGoal(doc, goalId, { target: 125 });
		upsertIntervention(doc, otherId, { description: 'Walk 30 minutes', responsible: 'patient', frequency: 'daily' });
		upsertScheduledMedication(doc, otherId, {
			medication: 'Lisinopril',
			dose: '10 mg',
			times: ['08:00', '20:00'],
			startDate: '2026-06-01',
			endDate: null,
			instructions: 'With water'
		});
		setReviewDates(doc, ['2026-09-01', '2026-07-01', '2026-07-01']);
		const plan = readPlan(doc);
		expect(plan.goals).toEqual([{ ...bloodPressureGoal, target: 125, id: goalId }]);
		expect(plan.interventions).toHaveLength(1);
		expect(plan.medicationSchedule[0]?.times).toEqual(['08:00', '20:00']);
		expect(plan.reviewDates).toEqual(['2026-07-01', '2026-09-01']);
		expect(checkPlanShape(doc)).toBeNull();
		removePlanGoal(doc, goalId);
		expect(readPlan(doc).goals).toEqual([]);
	});

	it('does not rewrite review dates that did not change', () => {
		const doc = new Y.Doc();
		setReviewDates(doc, ['2026-07-01']);
		let updates = 0;
		doc.on('update', () => updates++);
		setReviewDates(doc, ['2026-07-01']);
		expect(updates).toBe(0);
	});

	it('refuses invalid content before writing it', () => {
		const doc = new Y.Doc();
		expect(() => upsertScheduledMedication(doc, otherId, { medication: 'Metformin', dose: '500 mg', times: ['8am'], startDate: '2026-06-01', endDate: null, instructions: '' })).toThrow(
			/times\.0 .*HH:MM/
		);
		expect(() => setReviewDates(doc, ['soon'])).toThrow(ShapeError);
		expect(() => upsertPlanGoal(doc, goalId, { ...bloodPressureGoal, target: Number.NaN })).toThrow(ShapeError);
	});

	it.each([
		['a half-filled meta', (doc: Y.Doc) => planMeta(doc).set('title', 'Only a title'), /The plan: status is missing/],
		['a goal with a text target', (doc: Y.Doc) => planGoals(doc).set(goalId, new Y.Map(Object.entries({ ...bloodPressureGoal, target: 'low' }))), /Goal .*target must be a number/],
		['a bad review date', (doc: Y.Doc) => planReviewDates(doc).insert(0, ['2026-02-30']), /Review dates: 0 must be a date/]
	])('names the problem with %s', (_label, forge, reason) => {
		const doc = new Y.Doc();
		forge(doc);
		expect(checkPlanShape(doc)).toMatch(reason);
	});
});
