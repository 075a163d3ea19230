/**
 * Gives the Postgres e2e run an empty database: drops and recreates the database named in
 * DATABASE_URL (refusing anything not named like a test database).
 */
import postgres from 'postgres';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set.');
const target = new URL(url);
const name = target.pathname.slice(1);
if (!/^clinicsync_e2e[a-z0-9_]*$/.test(name)) throw new Error(`Refusing to reset "${name}": only clinicsync_e2e* databases.`);
target.pathname = '/postgres';
const admin = postgres(target.toString(), { max: 1, onnotice: () => {} });
await admin.unsafe(`drop database if exists ${name} with (force)`);
await admin.unsafe(`create database ${name}`);
await admin.end();
