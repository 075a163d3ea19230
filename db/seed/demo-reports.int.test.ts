import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { PDFDocument } from 'pdf-lib';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../testing';
import { documentContents, documents, patients, users } from '../schema/index';
import { createDocumentCipher } from '../../app/lib/server/documents/cipher';
import { demoReportTitle, seedDemoReports } from './demo-reports';

describe.each(testDatabaseKinds)('the demo lab report on %s', (kind) => {
	let database: TestDatabase;
	const cipher = createDocumentCipher(randomBytes(32));
	let mariaId = '';

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		const [maria] = await database.db.insert(patients).values({ mrn: '100001', givenName: 'Maria', familyName: 'Garcia', birthDate: '1968-04-12', sex: 'female' }).returning();
		mariaId = maria!.id;
		await database.db.insert(users).values({ email: 'dr.chen@riverside.example', displayName: 'Dr. Lena Chen', passwordHash: 'not-a-real-hash', role: 'physician' });
	});
	afterAll(async () => {
		await database?.drop();
	});

	it('adds one encrypted two-page PDF lab report to Maria Garcia, once', async () => {
		const id = await seedDemoReports(database.db, (bytes) => cipher.seal(bytes), { now: new Date('2026-11-20T12:00:00Z') });
		expect(await seedDemoReports(database.db, (bytes) => cipher.seal(bytes))).toBe(id);
		const rows = await database.db.select().from(documents).where(eq(documents.patientId, mariaId));
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ id, title: demoReportTitle, kind: 'lab_report', contentType: 'application/pdf' });
		const [content] = await database.db.select().from(documentContents).where(eq(documentContents.documentId, id!));
		const bytes = cipher.open(content!);
		expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
		expect(new TextDecoder().decode(content!.ciphertext).includes('%PDF-')).toBe(false);
		expect((await PDFDocument.load(bytes)).getPageCount()).toBe(2);
	});
});
