import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { AccessDenied } from '../access/errors';
import { authorizeAgent, authorizePatient } from '../access/patient-access';
import { breakGlass } from '../access/break-glass';
import { createTestClinic, type TestClinic } from '../access/test-clinic';
import { recordAuditEvent } from './audit-log';
import { auditFilterSchema, exportAuditEvents, searchAuditEvents } from './audit-search';
import { patientAccessLog } from './access-log';

describe.each(testDatabaseKinds)('audit views on %s', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;
	const timeZone = 'America/New_York';

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createTestClinic(database.db);
		const { actors } = clinic;
		const view = (actor: Actor) => authorizePatient(database.db, actor, clinic.patientId, { action: 'patient.view' }).catch(() => null);
		await view(actors.teamPhysician);
		await view(actors.patient);
		await view(actors.recordsProxy);
		await view(actors.frontDesk);
		await view(actors.external); // denied: no share
		await breakGlass(database.db, actors.outsidePhysician, clinic.patientId, { reason: 'Unconscious on arrival, need medication list', confirmed: true });
		await authorizePatient(database.db, actors.outsidePhysician, clinic.patientId, { action: 'patient.view', require: ['clinical'] });
		// Text typed by a person that a spreadsheet would run.
		await recordAuditEvent(database.db, actors.teamPhysician, { action: 'document.upload', outcome: 'failure', patientId: clinic.patientId, reason: '=HYPERLINK("http://evil.example","x")' });
	}, 120_000);
	afterAll(async () => {
		await database?.drop();
	});

	const filters = (input: Record<string, string>) => auditFilterSchema.parse(input);

	it('filters by person email, patient MRN, action and outcome, newest first, and audits the view', async () => {
		const { admin, teamPhysician } = clinic.actors;
		const byDoctor = await searchAuditEvents(database.db, admin, filters({ actor: 'RUIZ@clinic.example', patient: clinic.mrn }), { timeZone });
		expect(byDoctor.rows.map((r) => r.action)).toEqual(['document.upload', 'patient.view']);
		expect(byDoctor.rows[1]).toMatchObject({ actorName: 'Dr. Ana Ruiz', actorRole: 'physician', patientName: 'Maria Lopez', patientMrn: clinic.mrn, outcome: 'success' });
		expect(byDoctor.rows[0]!.seq).toBeGreaterThan(byDoctor.rows[1]!.seq!);

		const denied = await searchAuditEvents(database.db, admin, filters({ action: 'patient.view', outcome: 'denied' }), { timeZone });
		expect(denied.rows.map((r) => r.actorUserId)).toEqual([clinic.actors.external.userId]);

		const byId = await searchAuditEvents(database.db, admin, filters({ actor: teamPhysician.userId, patient: clinic.patientId }), { timeZone });
		expect(byId.rows).toHaveLength(2);

		const views = await database.db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, admin.userId), eq(auditEvents.action, 'audit.view')));
		expect(views.map((v) => v.reason)).toEqual(['filters: actor,patient', 'filters: action,outcome', 'filters: actor,patient']);
	});

	it('pages by id and limits dates to the clinic day', async () => {
		const { admin } = clinic.actors;
		const first = await searchAuditEvents(database.db, admin, filters({ patient: clinic.mrn }), { timeZone, pageSize: 3 });
		expect(first.rows).toHaveLength(3);
		expect(first.nextBefore).toBe(first.rows[2]!.id);
		const second = await searchAuditEvents(database.db, admin, filters({ patient: clinic.mrn, before: String(first.nextBefore) }), { timeZone, pageSize: 3 });
		expect(second.rows[0]!.id).toBeLessThan(first.rows[2]!.id);
		const future = await searchAuditEvents(database.db, admin, filters({ from: '2999-01-01' }), { timeZone });
		expect(future.rows).toEqual([]);
		expect(auditFilterSchema.safeParse({ from: '2025-02-02', to: '2025-01-01' }).success).toBe(false);
		expect(auditFilterSchema.safeParse({ actor: 'not an email' }).success).toBe(false);
	});

	it('exports CSV with the same filters, formulas neutralised, and audits the export', async () => {
		const { admin } = clinic.actors;
		const { csv, rows } = await exportAuditEvents(database.db, admin, filters({ action: 'document.upload' }), { timeZone });
		const lines = csv.split('\r\n');
		expect(lines[0]).toBe('seq,occurred_at_utc,occurred_at_clinic,actor_email,actor_name,actor_role,action,patient_mrn,patient_name,outcome,reason,resource_type,resource_id,source_address,request_id');
		expect(rows).toBe(1);
		expect(lines[1]).toContain(`,ruiz@clinic.example,Dr. Ana Ruiz,physician,document.upload,${clinic.mrn},Maria Lopez,failure,"'=HYPERLINK(""http://evil.example"",""x"")",`);
		const [event] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, admin.userId), eq(auditEvents.action, 'audit.export')));
		expect(event).toMatchObject({ outcome: 'success', reason: 'filters: action; 1 rows' });
	});

	it('is for clinic administrators only; a refusal is audited', async () => {
		const { teamPhysician } = clinic.actors;
		await expect(searchAuditEvents(database.db, teamPhysician, filters({}), { timeZone })).rejects.toBeInstanceOf(AccessDenied);
		await expect(exportAuditEvents(database.db, teamPhysician, filters({}), { timeZone })).rejects.toBeInstanceOf(AccessDenied);
		const refusals = await database.db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, teamPhysician.userId), eq(auditEvents.outcome, 'denied')));
		expect(refusals.map((r) => r.action).sort()).toEqual(['audit.export', 'audit.view']);
	});

	it("shows the patient who looked at the record: staff and emergency access, not their own or their proxies' views", async () => {
		const { patient, recordsProxy, appointmentsProxy } = clinic.actors;
		const agency = await authorizeAgent(database.db, patient, clinic.patientId, { action: 'access_log.view', scope: 'records' });
		const log = await patientAccessLog(database.db, agency);
		expect(log.emergencies).toEqual([expect.objectContaining({ personName: 'Dr. Ben Okafor', role: 'physician', reason: 'Unconscious on arrival, need medication list' })]);
		expect(log.entries.map((e) => [e.personName, e.action, e.emergency])).toEqual([
			['Dr. Ben Okafor', 'patient.view', true],
			['Dr. Ben Okafor', 'patient.break_glass', true],
			['Front Desk', 'patient.view', false],
			['Dr. Ana Ruiz', 'patient.view', false]
		]);
		expect(log.entries[1]!.reason).toBe('Unconscious on arrival, need medication list');
		expect(log.entries[0]!.reason).toBeNull();

		// A proxy with the records scope may read it for the patient; one without may not.
		await authorizeAgent(database.db, recordsProxy, clinic.patientId, { action: 'access_log.view', scope: 'records' });
		await expect(authorizeAgent(database.db, appointmentsProxy, clinic.patientId, { action: 'access_log.view', scope: 'records' })).rejects.toBeInstanceOf(AccessDenied);
	});
});
