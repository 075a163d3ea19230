/**
 * The three ways chat crypto refuses. Each message is a sentence a person can read, because the
 * browser shows it as is; none carries key material or plaintext.
 */
export class ChatCryptoError extends Error {
	constructor(message: string) {
		super(message);
		this.name = new.target.name;
	}
}

/** Ciphertext that does not open: altered, moved, truncated, or this device lacks the key. */
export class DecryptionFailed extends ChatCryptoError {
	constructor(message = 'This message could not be decrypted: it was altered in transit, or this device does not hold its key.') {
		super(message);
	}
}

/** The key backup's secretbox did not open with the key derived from this passphrase. */
export class WrongPassphrase extends ChatCryptoError {
	constructor(message = 'That passphrase does not unlock your key backup.') {
		super(message);
	}
}

/** A signature that does not verify against the key that should have made it. */
export class BadSignature extends ChatCryptoError {
	constructor(message = 'The signature does not match: the data was altered, or it was not made by the device it names.') {
		super(message);
	}
}
