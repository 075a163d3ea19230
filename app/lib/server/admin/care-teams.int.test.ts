import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { onAccessEvent, type AccessEvent } from '../access/access-events';
import { AccessDenied, NotFound } from '../access/errors';
import { isOnCareTeam } from '../access/patient-access';
import { getCareTeam, removeCareTeamMember, setCareTeamMember } from './care-teams';
import { actorFor, demoClinicDatabase, patientIdOf } from './testing';

describe.each(testDatabaseKinds)('care team administration (%s)', (kind) => {
	let t: TestDatabase;
	let admin: Actor;
	let chen: Actor;
	let okafor: Actor;
	let maria: string;
	const events: AccessEvent[] = [];
	let unsubscribe: () => void;

	beforeAll(async () => {
		t = await demoClinicDatabase(kind);
		admin = await actorFor(t, 'admin@riverside.example');
		chen = await actorFor(t, 'dr.chen@riverside.example');
		okafor = await actorFor(t, 'dr.okafor@riverside.example');
		maria = await patientIdOf(t, 'Maria', 'Garcia');
		unsubscribe = onAccessEvent((event) => events.push(event));
	});
	afterEach(() => {
		events.length = 0;
	});
	afterAll(async () => {
		unsubscribe?.();
		await t?.drop();
	});

	it('shows the team with its primary clinician first, and who could be added', async () => {
		const view = await getCareTeam(t.db, admin, maria);
		expect(view.patient).toMatchObject({ givenName: 'Maria', familyName: 'Garcia' });
		expect(view.members[0]).toMatchObject({ id: chen.practitionerId, role: 'primary', name: 'Emily Chen, MD' });
		expect(view.candidates.map((c) => c.id)).toContain(okafor.practitionerId);
		expect(view.candidates.map((c) => c.id)).not.toContain(chen.practitionerId);
	});

	it('a new primary makes the old primary a member; each change is audited', async () => {
		await setCareTeamMember(t.db, admin, maria, okafor.practitionerId!, 'primary');
		expect(await isOnCareTeam(t.db, okafor.practitionerId!, maria)).toBe(true);
		const view = await getCareTeam(t.db, admin, maria);
		const roleOf = (id: string | null) => view.members.find((m) => m.id === id)?.role;
		expect(roleOf(okafor.practitionerId)).toBe('primary');
		expect(roleOf(chen.practitionerId)).toBe('member');
		const changes = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'care_team.change'), eq(auditEvents.patientId, maria)));
		expect(changes).toHaveLength(1);
		expect(changes[0]).toMatchObject({ resourceId: okafor.practitionerId, reason: 'set as primary', actorUserId: admin.userId });
	});

	it('removing a clinician closes the chart to them and tells open connections at once', async () => {
		expect(await removeCareTeamMember(t.db, admin, maria, okafor.practitionerId!)).toEqual({ removed: true });
		expect(await isOnCareTeam(t.db, okafor.practitionerId!, maria)).toBe(false);
		expect(events).toEqual([{ kind: 'access-revoked', userId: okafor.userId, patientId: maria, cause: `care-team ${okafor.practitionerId}` }]);
		expect(await removeCareTeamMember(t.db, admin, maria, okafor.practitionerId!)).toEqual({ removed: false });
		expect(events).toHaveLength(1);
		// Put Dr. Chen back as primary for the other tests of this file.
		await setCareTeamMember(t.db, admin, maria, chen.practitionerId!, 'primary');
	});

	it('refuses clinicians, and answers NotFound for unknown patients and practitioners', async () => {
		await expect(getCareTeam(t.db, chen, maria)).rejects.toBeInstanceOf(AccessDenied);
		await expect(setCareTeamMember(t.db, chen, maria, chen.practitionerId!, 'primary')).rejects.toBeInstanceOf(AccessDenied);
		await expect(removeCareTeamMember(t.db, chen, maria, chen.practitionerId!)).rejects.toBeInstanceOf(AccessDenied);
		await expect(getCareTeam(t.db, admin, '00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFound);
		await expect(setCareTeamMember(t.db, admin, maria, '00000000-0000-4000-8000-000000000000', 'member')).rejects.toBeInstanceOf(NotFound);
		const denied = await t.db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, chen.userId), eq(auditEvents.outcome, 'denied')));
		expect(denied.length).toBe(3);
	});
});
