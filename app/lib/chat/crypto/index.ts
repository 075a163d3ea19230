/**
 * End-to-end encryption for chat, shared by the browser (app/lib/client/chat), the server's
 * signature checks and the benchmark. Await `ready()` once before calling anything else.
 */
export { ready, b64, fromB64, utf8, fromUtf8, randomBytes, type Sodium } from './sodium';
export { ChatCryptoError, DecryptionFailed, WrongPassphrase, BadSignature } from './errors';
export { createIdentity, signDevice, verifyDeviceSignature, deviceSignedBytes, type KeyPair, type DeviceToSign } from './identity';
export { createDeviceKeys, type DeviceKeyPairs } from './device-keys';
export { envelopeHeader, envelopeSignedBytes, signEnvelope, verifyEnvelope, type UnsignedEnvelope } from './envelope';
export { OutboundSession, decryptEnvelope, openEnvelope, messageKey, parseMessageContent, type ExportedOutboundSession } from './group-session';
export { SeenIndexes } from './replay';
export { sealRoomKey, openRoomKey, parseRoomKey, type RoomKey } from './room-key';
export {
	createBackup,
	openBackup,
	sealToBackup,
	openFromBackup,
	sealSecretsForDevice,
	openSecretsFromDevice,
	backupPublicKeyOf,
	type AccountSecrets
} from './backup';
export { encryptAttachment, decryptAttachment, attachmentCiphertextSize, type EncryptedAttachment, type AttachmentProgress } from './attachment-stream';
export { safetyNumber, formatSafetyNumber, identityFingerprint, type IdentityRef } from './safety-number';
export {
	createComplianceKeyPair,
	complianceKeyFile,
	parseComplianceKeyFile,
	sealToCompliance,
	openFromCompliance,
	decryptComplianceExport,
	type ComplianceKeyPair,
	type ComplianceKeyFile,
	type ComplianceExportRow
} from './compliance';
