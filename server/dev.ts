/**
 * `npm run dev`: the same server and endpoints as `npm start`, with Vite's dev middleware
 * (hot reload, its HMR socket on PORT+1) in place of the built app.
 */
import { createServer as createViteServer } from 'vite';
import { readConfig } from '../app/lib/server/platform/config';
import { createLogger } from '../app/lib/server/platform/logger';
import { closeOnSignals, createAppServer } from './app-server';

const config = readConfig();
const logger = createLogger(config.logLevel);
const server = await createAppServer({
	config,
	logger,
	loadHandler: async () => {
		const vite = await createViteServer({ server: { middlewareMode: true, hmr: { port: config.port + 1 } }, appType: 'custom' });
		return (req, res) => vite.middlewares(req, res);
	}
});
closeOnSignals(server, logger);
const url = await server.listen(config.port, config.host);
logger.info({ url, db: server.runtime.database.kind }, `ClinicSync (dev) is running at ${url}`);
