/**
 * PDF previews of decrypted attachments with pdf.js, loaded only when a PDF is shown (it is
 * large). The worker comes from the package through Vite's ?url import, so it is served from
 * this origin (the content security policy allows no third-party scripts).
 */
type PdfJs = typeof import('pdfjs-dist');

let pdfjs: Promise<PdfJs> | null = null;

function loadPdfJs(): Promise<PdfJs> {
	pdfjs ??= Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]).then(([module, worker]) => {
		module.GlobalWorkerOptions.workerSrc = worker.default;
		return module;
	});
	pdfjs.catch(() => (pdfjs = null));
	return pdfjs;
}

/**
 * Draws page 1 of a decrypted PDF on the canvas, scaled to the canvas' width (or `maxWidth`).
 * Scripts in the PDF do not run (no eval, no XFA); links are not followed.
 */
export async function renderPdfPreview(blob: Blob, canvas: HTMLCanvasElement, maxWidth = canvas.clientWidth || 320): Promise<{ pages: number }> {
	const { getDocument } = await loadPdfJs();
	const data = new Uint8Array(await blob.arrayBuffer());
	const pdf = await getDocument({ data, isEvalSupported: false, enableXfa: false }).promise;
	try {
		const page = await pdf.getPage(1);
		const unscaled = page.getViewport({ scale: 1 });
		const ratio = typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1;
		const viewport = page.getViewport({ scale: (maxWidth / unscaled.width) * ratio });
		canvas.width = Math.floor(viewport.width);
		canvas.height = Math.floor(viewport.height);
		canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
		canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
		await page.render({ canvas, viewport }).promise;
		return { pages: pdf.numPages };
	} finally {
		void pdf.destroy();
	}
}
