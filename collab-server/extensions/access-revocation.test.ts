import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Server, type Extension, type onAuthenticatePayload } from '@hocuspocus/server';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { emitAccessEvent } from '../../app/lib/server/access/access-events';
import type { Actor } from '../../app/lib/server/access/actor';
import type { CollabContext } from '../context';
import { AccessRevocationExtension } from './access-revocation';

/** Stands in for AuthExtension (which needs a database): the token is the user id, the name ends in the patient id. */
class TokenIsUser implements Extension {
	priority = 1000;
	async onAuthenticate({ token, documentName }: onAuthenticatePayload<CollabContext>): Promise<CollabContext> {
		return { actor: { userId: token, role: 'physician' } as Actor, patientId: documentName.split(':')[1] };
	}
}

describe('closing collaborative connections when access is revoked', () => {
	let server: Server<CollabContext>;
	const revocation = new AccessRevocationExtension();
	const providers: HocuspocusProvider[] = [];
	const alice = randomUUID();
	const bob = randomUUID();
	const maria = randomUUID();
	const tom = randomUUID();

	beforeAll(async () => {
		server = new Server<CollabContext>({ port: 0, quiet: true, extensions: [new TokenIsUser(), revocation] });
		await server.listen();
	});
	afterAll(async () => {
		for (const provider of providers) provider.destroy();
		revocation.stop();
		await server.destroy();
	});

	/** Opens a document as a user; resolves when synced, with a promise of its close reason. */
	const open = async (userId: string, name: string) => {
		let closed: (reason: string) => void = () => {};
		const closedReason = new Promise<string>((resolve) => (closed = resolve));
		const websocketProvider = new HocuspocusProviderWebsocket({ url: `ws://127.0.0.1:${server.address.port}`, WebSocketPolyfill: WebSocket });
		const synced = new Promise<void>((resolve) => {
			const provider = new HocuspocusProvider({
				websocketProvider,
				name,
				token: userId,
				onSynced: () => resolve(),
				onClose: ({ event }) => closed(event.reason)
			});
			provider.attach();
			providers.push(provider);
		});
		await synced;
		return { closedReason, isOpen: () => server.hocuspocus.documents.get(name)?.getConnections().some((c) => c.context.actor?.userId === userId) ?? false };
	};

	it("closes that person's documents of that patient, and only those", async () => {
		const aliceOnMaria = await open(alice, `chart:${maria}`);
		const aliceOnTom = await open(alice, `chart:${tom}`);
		const bobOnMaria = await open(bob, `chart:${maria}`);

		const errors = emitAccessEvent({ kind: 'access-revoked', userId: alice, patientId: maria, cause: 'test' });
		expect(errors).toEqual([]);
		expect(await aliceOnMaria.closedReason).toBe('Your access to this record has ended.');
		expect(aliceOnMaria.isOpen()).toBe(false);
		expect(aliceOnTom.isOpen()).toBe(true);
		expect(bobOnMaria.isOpen()).toBe(true);
	});
});
