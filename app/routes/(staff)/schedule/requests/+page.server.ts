import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actor } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { roleMay } from '$lib/server/access/policy';
import { parseFormData, parseSearchParams } from '$lib/server/http/validation';
import { searchPatients } from '$lib/server/patients/search';
import { getRuntime } from '$lib/server/platform/runtime';
import { SchedulingRefusal } from '$lib/server/scheduling/errors';
import {
	cancelSchedulingRequest,
	createRequestSchema,
	createSchedulingRequest,
	getSchedulingRequest,
	listSchedulingRequests,
	reorderSchedulingRequest,
	requestFiltersSchema,
	requestFormChoices,
	scheduleEarliestWithinCapacity,
	scheduleRequestAt,
	slotsForRequest,
	type SchedulingRequestView
} from '$lib/server/scheduling/scheduling-requests';
import type { Slot } from '$lib/server/scheduling/slots';
import type { Actions, PageServerLoad } from './$types';

/**
 * The prioritisation queue: /schedule/requests?urgency&practitioner&type&status&q, with
 * ?request=<id> for the side panel (and &pick=1 for its free times), ?new=1&patientQ=… for the
 * new-request form's patient search.
 */
export const load: PageServerLoad = async ({ locals, url, depends }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	depends('app:requests');
	const { db } = getRuntime().database;
	const raw = url.searchParams;
	const filters = parseSearchParams(
		new URLSearchParams({
			urgency: raw.get('urgency') ?? '',
			practitionerId: raw.get('practitioner') ?? '',
			appointmentTypeId: raw.get('type') ?? '',
			status: raw.get('status') ?? '',
			q: raw.get('q') ?? ''
		}),
		requestFiltersSchema
	);
	const problems: string[] = [];
	if (!filters.ok) problems.push(`${Object.values(filters.errors)[0] ?? 'A filter could not be read.'} Showing every waiting request instead.`);
	try {
		const requests = await listSchedulingRequests(db, actor, filters.ok ? filters.data : {});
		const choices = await requestFormChoices(db);
		let selected: SchedulingRequestView | null = null;
		let slots: Slot[] | null = null;
		const requestId = raw.get('request');
		if (requestId) {
			try {
				selected = await getSchedulingRequest(db, actor, requestId);
				if (raw.get('pick') === '1' && selected.status === 'waiting' && roleMay(actor.role, 'schedule.book')) slots = await slotsForRequest(db, actor, selected.id);
			} catch (cause) {
				if (cause instanceof NotFound) problems.push('That request no longer exists.');
				else if (cause instanceof AccessDenied) problems.push('You do not have access to that request.');
				else if (cause instanceof SchedulingRefusal) problems.push(cause.message);
				else throw cause;
			}
		}
		const patientQ = (raw.get('patientQ') ?? '').trim().slice(0, 100);
		const patientHits =
			patientQ && roleMay(actor.role, 'patients.search')
				? (await searchPatients(db, actor, { text: patientQ, page: 1 })).hits.map((h) => ({ id: h.id, name: `${h.givenName} ${h.familyName}`, mrn: h.mrn, birthDate: h.birthDate }))
				: null;
		return {
			requests,
			choices,
			filters: filters.ok ? filters.data : requestFiltersSchema.parse({}),
			selected,
			slots,
			newForm: { open: raw.get('new') === '1', patientQ, patientHits },
			problem: problems.join(' ') || null,
			mayBook: roleMay(actor.role, 'schedule.book')
		};
	} catch (cause) {
		if (cause instanceof AccessDenied) error(403, 'Your role does not allow viewing the request queue.');
		throw cause;
	}
};

type Problem = { status: 400 | 403 | 404 | 409; message: string; alternatives?: Slot[] };

function problemOf(cause: unknown): Problem | null {
	if (cause instanceof SchedulingRefusal) return { status: cause.status, message: cause.message, ...(cause.alternatives.length > 0 ? { alternatives: cause.alternatives } : {}) };
	if (cause instanceof AccessDenied) return { status: 403, message: 'Your role does not allow this, or you do not have access to this patient.' };
	if (cause instanceof NotFound) return { status: 404, message: 'That request or patient no longer exists. Reload the page.' };
	if (cause instanceof z.ZodError) return { status: 400, message: cause.issues[0]?.message ?? 'Some fields need attention.' };
	return null;
}

/** Runs an action; a known refusal becomes fail() with a sentence (and alternatives when there are some). */
async function attempt<T extends Record<string, unknown>>(action: string, run: () => Promise<T>) {
	try {
		return { action, ...(await run()) };
	} catch (cause) {
		const problem = problemOf(cause);
		if (!problem) throw cause;
		return fail(problem.status, { action, message: problem.message, alternatives: problem.alternatives ?? [] });
	}
}

function signedIn(locals: App.Locals): Actor {
	if (!locals.actor) redirect(303, '/sign-in');
	return locals.actor;
}

const idSchema = z.object({ requestId: z.string({ error: 'Choose a request.' }).uuid('Choose a request.') });
const reorderSchema = idSchema.extend({
	previousId: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.string().uuid().nullable()),
	nextId: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.string().uuid().nullable())
});
const pickSchema = idSchema.extend({
	practitionerId: z.string({ error: 'Choose a time.' }).uuid('Choose a time.'),
	locationId: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.string().uuid('Choose a time.').nullable()),
	startsAt: z.string({ error: 'Choose a time.' }).datetime({ offset: true, message: 'Choose a time.' })
});
const cancelSchema = idSchema.extend({ reason: z.string().max(500, 'Keep the reason under 500 characters.').default('') });

/** Role first (refused and audited before the input is read), then the input, then the work. */
async function guardedForm<S extends z.ZodType>(actor: Actor, request: Request, action: string, schema: S, refusedRun: () => Promise<unknown>) {
	if (!roleMay(actor.role, 'schedule.book')) {
		const refused = await attempt(action, async () => {
			await refusedRun();
			return {};
		});
		return { ok: false as const, refused };
	}
	const form = await parseFormData(request, schema);
	if (!form.ok) return { ok: false as const, refused: fail(400, { action, message: Object.values(form.errors)[0] ?? 'Some fields need attention.', errors: form.errors, values: form.values, alternatives: [] as Slot[] }) };
	return { ok: true as const, data: form.data as z.infer<S>, values: form.values };
}

const nobody = '00000000-0000-4000-8000-000000000000';

export const actions: Actions = {
	create: async ({ locals, request }) => {
		const actor = signedIn(locals);
		const { db } = getRuntime().database;
		const form = await guardedForm(actor, request, 'create', createRequestSchema, () => createSchedulingRequest(db, actor, { patientId: nobody, urgency: 'routine', appointmentTypeId: nobody, practitionerId: null, locationId: null, neededBy: null }));
		if (!form.ok) return form.refused;
		return attempt('create', async () => {
			const outcome = await createSchedulingRequest(db, actor, form.data);
			return { message: outcome.message, requestId: outcome.request.id, booked: outcome.appointment !== null };
		});
	},
	reorder: async ({ locals, request }) => {
		const actor = signedIn(locals);
		const { db } = getRuntime().database;
		const form = await guardedForm(actor, request, 'reorder', reorderSchema, () => reorderSchedulingRequest(db, actor, { requestId: nobody, previousId: null, nextId: null }));
		if (!form.ok) return form.refused;
		return attempt('reorder', async () => {
			const moved = await reorderSchedulingRequest(db, actor, form.data);
			return { message: 'The new order is saved.', requestId: moved.id };
		});
	},
	earliest: async ({ locals, request }) => {
		const actor = signedIn(locals);
		const { db } = getRuntime().database;
		const form = await guardedForm(actor, request, 'earliest', idSchema, () => scheduleEarliestWithinCapacity(db, actor, nobody));
		if (!form.ok) return form.refused;
		return attempt('earliest', async () => {
			const outcome = await scheduleEarliestWithinCapacity(db, actor, form.data.requestId);
			return { message: outcome.message, requestId: outcome.request.id, booked: true };
		});
	},
	pick: async ({ locals, request }) => {
		const actor = signedIn(locals);
		const { db } = getRuntime().database;
		const form = await guardedForm(actor, request, 'pick', pickSchema, () => scheduleRequestAt(db, actor, { requestId: nobody, practitionerId: nobody, locationId: null, startsAt: new Date() }));
		if (!form.ok) return form.refused;
		return attempt('pick', async () => {
			const outcome = await scheduleRequestAt(db, actor, form.data);
			return { message: outcome.message, requestId: outcome.request.id, booked: true };
		});
	},
	cancel: async ({ locals, request }) => {
		const actor = signedIn(locals);
		const { db } = getRuntime().database;
		const form = await guardedForm(actor, request, 'cancel', cancelSchema, () => cancelSchedulingRequest(db, actor, { requestId: nobody }));
		if (!form.ok) return form.refused;
		return attempt('cancel', async () => {
			const cancelled = await cancelSchedulingRequest(db, actor, form.data);
			return { message: 'The request is cancelled.', requestId: cancelled.id };
		});
	}
};
