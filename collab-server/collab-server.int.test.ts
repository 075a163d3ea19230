import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { testDatabaseKinds } from '../db/testing';
import { allergies, auditEvents, careTeamMembers, docUpdates, medications, patients, users, type User } from '../db/schema/index';
import { loadDemoClinic } from '../db/seed/demo-clinic';
import { hashPassword } from '../app/lib/server/auth/password';
import { relaxDemoSignInPolicy } from '../app/lib/server/clinic/demo';
import { removeCareTeamMember } from '../app/lib/server/admin/care-teams';
import type { Actor } from '../app/lib/server/access/actor';
import { chartAllergies, chartMedications, chartSectionText, readChart, upsertChartEntry } from '../app/lib/collab/chart-shape';
import { changeDocument } from '../app/lib/server/collab/document-writer';
import { addAnnotation, annotationsMap, buildAnnotation } from '../app/lib/collab/annotation-shape';
import { uploadDocument } from '../app/lib/server/documents/documents';
import { signInCookie, startTestServer, type TestServer } from '../server/testing';
import { CollabClient } from './testing/collab-client';
import { waitUntil } from './testing/wait';

const password = 'demo-password-2026';

/** A client that also records why the server closed its document. */
class RecordingClient extends CollabClient {
	readonly closeReasons: string[] = [];
	constructor(options: ConstructorParameters<typeof CollabClient>[0]) {
		super(options);
		this.provider.on('close', ({ event }: { event: { reason: string } }) => {
			if (event.reason) this.closeReasons.push(event.reason);
		});
	}
	whenClosedWith(fragment: string, timeoutMs = 5_000): Promise<void> {
		return waitUntil(() => this.closeReasons.some((r) => r.includes(fragment)), {
			signals: [[this.provider, 'close']],
			timeoutMs,
			describe: () => `close reasons: ${JSON.stringify(this.closeReasons)}`
		});
	}
}

/** The live collaboration server in the real app server: authorization, shape, limits, log, projection, presence. */
describe.each(testDatabaseKinds)('the collaboration server (%s)', (kind) => {
	let t: TestServer;
	let maria: string;
	let chen: User;
	let patel: User;
	let admin: User;
	const cookies = new Map<string, string>();
	const clients: CollabClient[] = [];

	const open = (email: string, documentName = `chart:${maria}`) => {
		const client = new RecordingClient({ serverUrl: t.url, cookie: cookies.get(email)!, documentName });
		clients.push(client);
		return client;
	};
	const logRows = async () =>
		(await t.database.db.select({ n: sql<number>`count(*)::int` }).from(docUpdates).where(eq(docUpdates.documentName, `chart:${maria}`)))[0]!.n;

	beforeAll(async () => {
		// 50 KB: small enough for the size test to send a too-big change cheaply.
		t = await startTestServer(kind, { COLLAB_MAX_UPDATE_MB: '0.05' });
		const { db } = t.database;
		await loadDemoClinic(db, { hashPassword, patientCount: 12 });
		await relaxDemoSignInPolicy(db);
		maria = (await db.select({ id: patients.id }).from(patients).where(sql`${patients.givenName} = 'Maria' and ${patients.familyName} = 'Garcia'`))[0]!.id;
		const byEmail = async (email: string) => (await db.select().from(users).where(eq(users.email, email)))[0]!;
		[chen, patel, admin] = [await byEmail('dr.chen@riverside.example'), await byEmail('nurse.patel@riverside.example'), await byEmail('admin@riverside.example')];
		for (const user of [chen, patel, admin]) cookies.set(user.email, await signInCookie(t.url, user.email, password));
	});
	afterAll(async () => {
		for (const client of clients) client.destroy();
		await t?.stop();
	});

	it('creates the chart from the patient’s rows the first time it is opened', async () => {
		const a = open(chen.email);
		await a.whenReady();
		const rows = await t.database.db.select({ id: allergies.id, substance: allergies.substance }).from(allergies).where(eq(allergies.patientId, maria));
		const chart = readChart(a.doc);
		expect(chart.allergies.map((entry) => entry.id).sort()).toEqual(rows.map((r) => r.id).sort());
		expect(Object.keys(chart.sections).sort()).toEqual(['family', 'history', 'social', 'summary']);
	});

	it('confirms an edit once it is in the log, attributed, and projects it to the allergies table within a second', async () => {
		const a = open(chen.email);
		await a.whenReady();
		const before = await logRows();
		const id = randomUUID();
		upsertChartEntry(a.doc, 'allergies', id, { substance: 'Latex', reaction: 'Hives', severity: 'moderate', status: 'active' });
		await a.whenSaved();
		const savedAt = Date.now();
		const [row] = await t.database.db
			.select()
			.from(docUpdates)
			.where(and(eq(docUpdates.documentName, `chart:${maria}`), sql`${docUpdates.seq} > 0`))
			.orderBy(sql`${docUpdates.seq} desc`)
			.limit(1);
		expect(await logRows()).toBe(before + 1);
		expect(row!.authorUserId).toBe(chen.id);
		expect(row!.origin).toBe('client');
		expect(row!.parts).toContain('allergies');

		// The projection has no event to await from here: look for the row until a second has passed.
		let projected: { substance: string }[] = [];
		while (Date.now() - savedAt < 1_000) {
			projected = await t.database.db.select({ substance: allergies.substance }).from(allergies).where(eq(allergies.id, id));
			if (projected.length > 0) break;
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		expect(projected).toEqual([{ substance: 'Latex' }]);
	});

	it('shows a second clinician the change live, with presence names that cannot be spoofed', async () => {
		const a = open(chen.email);
		const b = open(patel.email);
		await Promise.all([a.whenReady(), b.whenReady()]);
		a.provider.setAwarenessField('user', { name: 'Someone Else', color: '#000' });
		a.provider.setAwarenessField('editing', 'allergies');
		const id = randomUUID();
		upsertChartEntry(a.doc, 'allergies', id, { substance: 'Penicillin G', reaction: '', severity: 'severe', status: 'active' });
		await waitUntil(() => chartAllergies(b.doc).has(id), { signals: [[b.doc, 'update']], timeoutMs: 1_000, describe: () => 'allergy not seen by B' });
		const peerOf = () => [...b.provider.awareness!.getStates().values()].find((state) => state.editing === 'allergies');
		await waitUntil(() => peerOf()?.user?.name === chen.displayName, {
			signals: [[b.provider.awareness!, 'change']],
			timeoutMs: 2_000,
			describe: () => JSON.stringify(peerOf() ?? null)
		});
		expect(peerOf()!.user).toMatchObject({ id: chen.id, name: chen.displayName, role: 'physician' });
	});

	it('gives an administrator a read-only connection whose edits go nowhere', async () => {
		const viewer = open(admin.email);
		const editor = open(chen.email);
		await Promise.all([viewer.whenReady(), editor.whenReady()]);
		expect(viewer.provider.authorizedScope).toBe('readonly');
		const rowsBefore = await logRows();
		upsertChartEntry(viewer.doc, 'allergies', randomUUID(), { substance: 'Admin edit', reaction: '', severity: 'mild', status: 'active' });
		// A clinician's edit after it: once that is saved, the server has handled the administrator's frame too.
		const id = randomUUID();
		upsertChartEntry(editor.doc, 'allergies', id, { substance: 'Sulfa', reaction: '', severity: 'mild', status: 'active' });
		await editor.whenSaved();
		expect(readChart(editor.doc).allergies.some((a) => a.substance === 'Admin edit')).toBe(false);
		expect(await logRows()).toBe(rowsBefore + 1);
	});

	it('refuses an update that breaks the chart’s shape: closed with the reason, the chart untouched', async () => {
		const witness = open(chen.email);
		const forger = open(chen.email);
		await Promise.all([witness.whenReady(), forger.whenReady()]);
		const rowsBefore = await logRows();
		const id = randomUUID();
		forger.doc.transact(() => {
			const entry = new Y.Map<unknown>();
			entry.set('substance', 'Peanuts');
			entry.set('reaction', '');
			entry.set('severity', 'catastrophic');
			entry.set('status', 'active');
			chartAllergies(forger.doc).set(id, entry as never);
		});
		await forger.whenClosedWith('Change refused');
		forger.destroy();
		expect(chartAllergies(witness.doc).has(id)).toBe(false);
		expect(await logRows()).toBe(rowsBefore);
	});

	it('refuses a change over the size limit with the reason', async () => {
		const sender = open(chen.email);
		await sender.whenReady();
		const rowsBefore = await logRows();
		chartSectionText(sender.doc, 'history').insert(0, 'x'.repeat(60 * 1024));
		await sender.whenClosedWith('may not be larger than');
		sender.destroy();
		expect(await logRows()).toBe(rowsBefore);
	});

	it('lets a server-side writer change the chart through the live document: editors see it, the log and the rows follow', async () => {
		const editor = open(chen.email);
		await editor.whenReady();
		const id = randomUUID();
		await changeDocument(`chart:${maria}`, null, (doc) =>
			upsertChartEntry(doc, 'medications', id, { name: 'Lisinopril 10 mg', rxnormCode: '314076', dose: '10 mg', frequency: 'daily', status: 'active', startDate: null, endDate: null })
		);
		await waitUntil(() => chartMedications(editor.doc).has(id), { signals: [[editor.doc, 'update']], timeoutMs: 1_000, describe: () => 'medication not seen' });
		const [row] = await t.database.db.select().from(docUpdates).where(eq(docUpdates.documentName, `chart:${maria}`)).orderBy(sql`${docUpdates.seq} desc`).limit(1);
		expect(row).toMatchObject({ origin: 'server', authorUserId: null });
		await t.server.collab.settleProjections();
		expect(await t.database.db.select({ name: medications.name }).from(medications).where(eq(medications.id, id))).toEqual([{ name: 'Lisinopril 10 mg' }]);
	});

	it('lists who changed what, shows an earlier version and restores it as a new change', async () => {
		const editor = open(chen.email);
		await editor.whenReady();
		const id = randomUUID();
		upsertChartEntry(editor.doc, 'allergies', id, { substance: 'Shellfish', reaction: 'Swelling', severity: 'severe', status: 'active' });
		await editor.whenSaved();
		const cookie = cookies.get(chen.email)!;
		const document = `chart:${maria}`;
		const history = await (await fetch(`${t.url}/api/collab/history?document=${document}`, { headers: { cookie } })).json();
		const [latest, previous] = history.entries as { seq: number; fromSeq: number; authorName: string; parts: string[] }[];
		expect(latest).toMatchObject({ authorName: chen.displayName });
		expect(latest!.parts).toContain('allergies');
		// The version before the shellfish entry's group has no shellfish.
		const before = latest!.fromSeq - 1;
		expect(previous!.seq).toBe(before);
		const versionResponse = await fetch(`${t.url}/api/collab/version?document=${document}&seq=${before}`, { headers: { cookie } });
		expect(versionResponse.headers.get('content-type')).toBe('application/octet-stream');
		const version = new Y.Doc();
		Y.applyUpdate(version, new Uint8Array(await versionResponse.arrayBuffer()));
		expect(chartAllergies(version).has(id)).toBe(false);

		const restore = await fetch(`${t.url}/api/collab/restore`, {
			method: 'POST',
			headers: { cookie, origin: t.url, 'content-type': 'application/json' },
			body: JSON.stringify({ document, seq: before })
		});
		expect(restore.status).toBe(200);
		await waitUntil(() => !chartAllergies(editor.doc).has(id), { signals: [[editor.doc, 'update']], timeoutMs: 2_000, describe: () => 'restore not seen' });
		const [row] = await t.database.db.select().from(docUpdates).where(eq(docUpdates.documentName, document)).orderBy(sql`${docUpdates.seq} desc`).limit(1);
		expect(row).toMatchObject({ origin: 'restore', authorUserId: chen.id });
		// The history still has the shellfish change: restoring added a change, it rewrote nothing.
		expect(Number(row!.seq)).toBeGreaterThan(latest!.seq);

		// A read-only administrator may look but not restore.
		const refused = await fetch(`${t.url}/api/collab/restore`, {
			method: 'POST',
			headers: { cookie: cookies.get(admin.email)!, origin: t.url, 'content-type': 'application/json' },
			body: JSON.stringify({ document, seq: before })
		});
		expect(refused.status).toBe(403);
		expect((await refused.json()).message).toMatch(/cannot change/);
	});

	it('takes annotations on a report only in the annotator’s own name', async () => {
		const { documentCipher, config } = t.server.runtime;
		const actor: Actor = { userId: chen.id, role: chen.role, displayName: chen.displayName, practitionerId: chen.practitionerId, patientId: null, sessionId: 'test', sourceAddress: null, requestId: null };
		const pdf = new File([new TextEncoder().encode('%PDF-1.4\n%%EOF\n')], 'report.pdf', { type: 'application/pdf' });
		const report = await uploadDocument(t.database.db, documentCipher, actor, maria, { title: 'Echo report', kind: 'lab_report', file: pdf }, config.maxUploadBytes);
		const annotator = open(chen.email, `annotations:${report.id}`);
		await annotator.whenReady();
		const region = { page: 1, x: 72, y: 144, width: 200, height: 40 };
		const own = randomUUID();
		addAnnotation(annotator.doc, buildAnnotation({ id: own, documentId: report.id, creator: { id: chen.id, name: chen.displayName }, motivation: 'commenting', text: 'Note the EF', region }));
		await annotator.whenSaved();
		const forged = randomUUID();
		addAnnotation(annotator.doc, buildAnnotation({ id: forged, documentId: report.id, creator: { id: admin.id, name: admin.displayName }, motivation: 'commenting', text: 'Not mine', region }));
		await annotator.whenClosedWith('in your own name');
		const reader = open(chen.email, `annotations:${report.id}`);
		await reader.whenReady();
		expect(annotationsMap(reader.doc).has(own)).toBe(true);
		expect(annotationsMap(reader.doc).has(forged)).toBe(false);
	});

	it('audits who opened which document', async () => {
		const events = await t.database.db
			.select({ actor: auditEvents.actorUserId, outcome: auditEvents.outcome })
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'collab.open'), eq(auditEvents.resourceType, 'chart'), eq(auditEvents.patientId, maria)));
		expect(events.some((e) => e.actor === chen.id && e.outcome === 'success')).toBe(true);
		expect(events.some((e) => e.actor === admin.id && e.outcome === 'success')).toBe(true);
	});

	it('closes a clinician’s connection within a second of leaving the care team', async () => {
		const nurse = open(patel.email);
		await nurse.whenReady();
		const adminActor: Actor = {
			userId: admin.id,
			role: admin.role,
			displayName: admin.displayName,
			practitionerId: null,
			patientId: null,
			sessionId: 'test',
			sourceAddress: null,
			requestId: null
		};
		const [membership] = await t.database.db.select().from(careTeamMembers).where(eq(careTeamMembers.practitionerId, patel.practitionerId!));
		expect(membership).toBeDefined();
		const revokedAt = Date.now();
		await removeCareTeamMember(t.database.db, adminActor, maria, patel.practitionerId!);
		await nurse.whenClosedWith('access to this record has ended', 1_000);
		expect(Date.now() - revokedAt).toBeLessThan(1_000);
	});
});
