/**
 * The admin page's requests for the compliance key and export (app/routes/api/chat/**), with the
 * server's refusal sentence surfaced as the error's message.
 */
import type { ComplianceExport } from '$lib/chat/protocol';

async function failure(response: Response, fallback: string): Promise<Error> {
	const body = (await response.json().catch(() => null)) as { message?: string; error?: string } | null;
	return new Error(body?.message ?? body?.error ?? fallback);
}

/** Stores the clinic's compliance public key; answers the id the server gave it. */
export async function uploadCompliancePublicKey(publicKey: string): Promise<{ id: string }> {
	const response = await fetch('/api/chat/compliance-key', {
		method: 'PUT',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ publicKey })
	});
	if (!response.ok) throw await failure(response, 'The compliance key was not saved. Try again in a moment.');
	const body = (await response.json()) as { id?: string; key?: { id: string } };
	const id = body.id ?? body.key?.id;
	if (!id) throw new Error('The server did not confirm the compliance key.');
	return { id };
}

export async function fetchComplianceExport(conversationId: string): Promise<ComplianceExport> {
	const response = await fetch(`/api/chat/compliance-export?conversationId=${encodeURIComponent(conversationId)}`);
	if (!response.ok) throw await failure(response, 'The export could not be fetched. Try again in a moment.');
	return (await response.json()) as ComplianceExport;
}

/** Makes the browser save `text` as a file (the key file, a transcript). */
export function saveAsFile(text: string, fileName: string, type: string): void {
	const url = URL.createObjectURL(new Blob([text], { type }));
	const link = document.createElement('a');
	link.href = url;
	link.download = fileName;
	document.body.append(link);
	link.click();
	link.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
