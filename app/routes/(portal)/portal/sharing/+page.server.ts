import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { isPortalUser } from '$lib/server/access/actor';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { authorizeAgent } from '$lib/server/access/patient-access';
import { recordParts } from '$lib/server/access/policy';
import { listAgentPatients } from '$lib/server/sharing/agent-patients';
import { InvalidShare, createRecordShare, listRecordShares, listShareablePractitioners, revokeRecordShare, sharePartLabels } from '$lib/server/sharing/record-shares';
import { shareDateRange } from '$lib/server/sharing/share-dates';
import { getClinic } from '$lib/server/clinic/clinic';
import { fieldErrorsOf, fields } from '$lib/server/http/validation';
import { getRuntime } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/**
 * "Share my record": the patient, or a proxy whose grant has the records scope, shares chosen
 * parts with a practitioner of the clinic or an outside person, until a date, and revokes.
 * A proxy picks the person with ?patient=.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const actor = locals.actor;
	if (!actor) redirect(303, '/sign-in');
	if (!isPortalUser(actor)) redirect(303, '/patients');
	const { db } = getRuntime().database;
	const people = await listAgentPatients(db, actor, 'records');
	const requested = url.searchParams.get('patient');
	if (requested !== null && !fields.uuid.safeParse(requested).success) error(404, 'There is no health record at this address.');
	const patientId = requested ?? people[0]?.patientId ?? null;
	const parts = recordParts.map((part) => ({ value: part, label: sharePartLabels[part] }));
	if (!patientId) return { people, patient: null, parts, shares: [], practitioners: [], range: null };

	try {
		const agency = await authorizeAgent(db, actor, patientId, { action: 'share.list', scope: 'records' });
		const timeZone = (await getClinic(db))?.timeZone ?? 'UTC';
		const [shares, practitioners] = await Promise.all([listRecordShares(db, agency), listShareablePractitioners(db, agency)]);
		const person = people.find((p) => p.patientId === patientId);
		return { people, patient: person ?? null, parts, shares, practitioners, range: shareDateRange(timeZone) };
	} catch (cause) {
		if (cause instanceof NotFound) error(404, 'There is no health record at this address.');
		if (cause instanceof AccessDenied) error(403, 'You cannot share this health record. If you think you should be able to, contact the clinic.');
		throw cause;
	}
};

const shareSchema = z
	.object({
		patientId: fields.uuid,
		parts: z.array(z.enum(recordParts, { error: 'Choose parts from the list.' })).min(1, 'Choose at least one part of your record to share.'),
		recipient: z.enum(['practitioner', 'external'], { error: 'Choose who you want to share with.' }),
		practitioner: z.string().max(100).optional(),
		displayName: z.string().max(500).optional(),
		email: z.string().max(500).optional(),
		endDate: z.string({ error: 'Enter the last day of sharing.' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the last day of sharing as a date.')
	})
	.superRefine((form, context) => {
		if (form.recipient === 'practitioner') {
			if (!fields.uuid.safeParse(form.practitioner ?? '').success) context.addIssue({ code: 'custom', path: ['practitioner'], message: 'Choose a practitioner from the list.' });
			return;
		}
		const name = fields.personName.safeParse(form.displayName ?? '');
		if (!name.success) context.addIssue({ code: 'custom', path: ['displayName'], message: name.error.issues[0]?.message ?? 'Enter a name.' });
		const email = fields.email.safeParse(form.email ?? '');
		if (!email.success) context.addIssue({ code: 'custom', path: ['email'], message: email.error.issues[0]?.message ?? 'Enter an email address.' });
	});

const revokeSchema = z.object({ shareId: fields.uuid });

type FormValues = Record<string, string>;

/** Form fields as strings; `parts` (checkboxes) as every checked value. Unreadable bodies give null. */
async function readForm(request: Request): Promise<{ input: Record<string, unknown>; values: FormValues } | null> {
	let form: FormData;
	try {
		form = await request.formData();
	} catch {
		return null;
	}
	const text = (name: string) => {
		const value = form.get(name);
		return typeof value === 'string' ? value : undefined;
	};
	const parts = form.getAll('parts').filter((v): v is string => typeof v === 'string');
	const input = {
		patientId: text('patientId'),
		parts,
		recipient: text('recipient'),
		practitioner: text('practitioner'),
		displayName: text('displayName'),
		email: text('email'),
		endDate: text('endDate'),
		shareId: text('shareId')
	};
	const values: FormValues = {};
	for (const [key, value] of Object.entries(input)) {
		if (typeof value === 'string') values[key] = value.slice(0, 500);
	}
	values.parts = parts.join(',').slice(0, 200);
	return { input, values };
}

const unreadable = { errors: { form: 'The form could not be read. Reload the page and try again.' }, values: {} as FormValues };

export const actions: Actions = {
	share: async ({ locals, request, url }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isPortalUser(actor)) return fail(403, { share: { errors: { form: 'Only patients and the people they chose can share a record.' }, values: {} as FormValues } });
		const form = await readForm(request);
		if (!form) return fail(400, { share: unreadable });
		const parsed = shareSchema.safeParse(form.input);
		if (!parsed.success) return fail(400, { share: { errors: fieldErrorsOf(parsed.error), values: form.values } });
		const data = parsed.data;
		try {
			const result = await createRecordShare(
				getRuntime().database.db,
				actor,
				data.patientId,
				{
					parts: data.parts,
					endDate: data.endDate,
					recipient:
						data.recipient === 'practitioner'
							? { kind: 'practitioner', userId: data.practitioner! }
							: { kind: 'external', displayName: data.displayName!.trim(), email: data.email!.trim().toLowerCase() }
				},
				{ origin: url.origin }
			);
			return { share: { created: { invited: result.invited, email: data.recipient === 'external' ? data.email!.trim().toLowerCase() : null } } };
		} catch (cause) {
			if (cause instanceof InvalidShare) return fail(400, { share: { errors: { [cause.field]: cause.message }, values: form.values } });
			if (cause instanceof AccessDenied) return fail(403, { share: { errors: { form: 'You cannot share this health record.' }, values: form.values } });
			if (cause instanceof NotFound) return fail(404, { share: { errors: { form: 'There is no such health record.' }, values: {} as FormValues } });
			throw cause;
		}
	},
	revoke: async ({ locals, request }) => {
		const actor = locals.actor;
		if (!actor) redirect(303, '/sign-in');
		if (!isPortalUser(actor)) return fail(403, { revoke: { errors: { form: 'Only patients and the people they chose can end sharing.' } } });
		const form = await readForm(request);
		if (!form) return fail(400, { revoke: { errors: unreadable.errors } });
		const parsed = revokeSchema.safeParse(form.input);
		if (!parsed.success) return fail(400, { revoke: { errors: { form: 'Choose a share to end from the list.' } } });
		try {
			await revokeRecordShare(getRuntime().database.db, actor, parsed.data.shareId);
			return { revoke: { revoked: true } };
		} catch (cause) {
			if (cause instanceof NotFound) return fail(404, { revoke: { errors: { form: 'That share no longer exists.' } } });
			if (cause instanceof AccessDenied) return fail(403, { revoke: { errors: { form: 'You cannot end this share.' } } });
			throw cause;
		}
	}
};
