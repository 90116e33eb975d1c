//! The PDF standard security handler (ISO 32000-2 §7.6.4, revisions 2–6): checks a
//! password against /O and /U, derives the file key, and decrypts strings and streams
//! (RC4, AES-128 and AES-256 in CBC mode).
//! It never parses PDF syntax (the caller hands it the /Encrypt values), never
//! enforces the permission bits (/P only enters the key), and never panics or loops
//! without bound, whatever the file says.

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Aes256, Block};
use md5::Md5;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// How strings or streams are encrypted (a crypt filter's /CFM, or V1/V2's RC4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Identity,
    Rc4,
    Aes128,
    Aes256,
}

/// The entries of the /Encrypt dictionary, as the reader found them (the caller
/// resolves /CF, /StmF, /StrF into the two methods: V1/V2 → Rc4 for both; V4/V5 →
/// the named crypt filter's /CFM: /V2 → Rc4, /AESV2 → Aes128, /AESV3 → Aes256,
/// /None or /Identity → Identity).
#[derive(Debug, Clone, Copy)]
pub struct Encrypt<'a> {
    /// /Filter name bytes; only `b"Standard"` is supported.
    pub filter: &'a [u8],
    pub v: i64,
    pub r: i64,
    /// /Length in bits, default 40.
    pub length_bits: Option<i64>,
    pub o: &'a [u8],
    pub u: &'a [u8],
    pub oe: Option<&'a [u8]>,
    pub ue: Option<&'a [u8]>,
    /// May be written as a positive or a negative number; only its low 32 bits count.
    pub p: i64,
    /// /EncryptMetadata, default true.
    pub encrypt_metadata: bool,
    pub streams: Method,
    pub strings: Method,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CryptError {
    /// The empty user password does not open the file (a user password is needed).
    Password,
    /// A handler, revision or method this reader does not implement (named).
    Unsupported(String),
    /// Data that cannot be decrypted (AES data not a whole number of blocks, bad padding…).
    Corrupt(String),
}

impl std::fmt::Display for CryptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CryptError::Password => f.write_str("a user password is needed"),
            CryptError::Unsupported(what) => write!(f, "{what} is not supported"),
            CryptError::Corrupt(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for CryptError {}

/// The file key and the methods: everything needed to decrypt the file's objects.
#[derive(Clone)]
pub struct Decryptor {
    key: Vec<u8>,
    streams: Method,
    strings: Method,
    encrypt_metadata: bool,
}

// By hand, so that a `{:?}` in a log or a failed test never shows the file key.
impl std::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decryptor")
            .field("streams", &self.streams)
            .field("strings", &self.strings)
            .field("encrypt_metadata", &self.encrypt_metadata)
            .finish_non_exhaustive()
    }
}

/// The 32 bytes that pad an R2–R4 password (§7.6.4.3.2, algorithm 2 step a).
const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

impl Decryptor {
    /// Authenticate the empty user password (for R2–R4 also accept the empty string
    /// as the *owner* password — algorithm 7 — then derive the key from it; for R5/R6
    /// try the user password "" then owner ""), and derive the file key.
    /// `id0` is the first string of the trailer's /ID (may be empty when missing).
    pub fn new(e: &Encrypt<'_>, id0: &[u8]) -> Result<Decryptor, CryptError> {
        Self::with_password(e, id0, b"")
    }

    /// The same with a given password, tried as the user password and then as the
    /// owner password. R2–R4 take it as bytes (PDFDocEncoding is the caller's
    /// business); R5/R6 as UTF-8 (SASLprep is the caller's business).
    pub fn with_password(
        e: &Encrypt<'_>,
        id0: &[u8],
        password: &[u8],
    ) -> Result<Decryptor, CryptError> {
        if e.filter != b"Standard" {
            return Err(CryptError::Unsupported(format!(
                "security handler /{}",
                String::from_utf8_lossy(e.filter)
            )));
        }
        // V0 is undocumented and V3 unpublished: no reader can know their algorithms.
        if !matches!(e.v, 1 | 2 | 4 | 5) {
            return Err(CryptError::Unsupported(format!("/Encrypt /V {}", e.v)));
        }
        let key = match e.r {
            2..=4 => legacy_key(e, id0, password)?,
            5 | 6 => aes256_key(e, password)?,
            r => {
                return Err(CryptError::Unsupported(format!(
                    "standard security handler revision {r}"
                )));
            }
        };
        // AES-256 encrypts with the file key itself, which only R5/R6 make 32 bytes long.
        if (e.streams == Method::Aes256 || e.strings == Method::Aes256) && key.len() != 32 {
            return Err(CryptError::Unsupported(format!(
                "AESV3 crypt filter with revision {}",
                e.r
            )));
        }
        Ok(Decryptor {
            key,
            streams: e.streams,
            strings: e.strings,
            // Below R4 the entry does not exist: the metadata is encrypted like the rest.
            encrypt_metadata: e.encrypt_metadata || e.r < 4,
        })
    }

    /// Decrypt a string of object `num` generation `gen` (algorithm 1).
    pub fn string(&self, num: u32, generation: u16, data: &[u8]) -> Result<Vec<u8>, CryptError> {
        self.decrypt(self.strings, num, generation, data)
    }

    /// Decrypt a stream's raw data (before its filters) of object `num` generation `gen`.
    pub fn stream(&self, num: u32, generation: u16, data: &[u8]) -> Result<Vec<u8>, CryptError> {
        self.decrypt(self.streams, num, generation, data)
    }

    /// Whether the /Metadata stream is encrypted (EncryptMetadata).
    pub fn encrypts_metadata(&self) -> bool {
        self.encrypt_metadata
    }

    fn decrypt(
        &self,
        method: Method,
        num: u32,
        generation: u16,
        data: &[u8],
    ) -> Result<Vec<u8>, CryptError> {
        match method {
            Method::Identity => Ok(data.to_vec()),
            Method::Rc4 => Ok(rc4(&self.object_key(num, generation, false), data)),
            Method::Aes128 => aes_data(&self.object_key(num, generation, true), data),
            Method::Aes256 => aes_data(&self.key, data),
        }
    }

    /// Algorithm 1: the file key, the object number's low 3 bytes and the generation's
    /// 2, (for AES) "sAlT", through MD5; the first n + 5 bytes, at most 16.
    fn object_key(&self, num: u32, generation: u16, aes: bool) -> Vec<u8> {
        let mut md5 = Md5::new();
        md5.update(&self.key);
        md5.update(&num.to_le_bytes()[..3]);
        md5.update(generation.to_le_bytes());
        if aes {
            md5.update(b"sAlT");
        }
        let hash = md5.finalize();
        // AES-128 needs all 16 bytes; n + 5 is less only for keys under 88 bits, which
        // no AES file has.
        let n = if aes {
            16
        } else {
            (self.key.len() + 5).min(16)
        };
        hash[..n].to_vec()
    }
}

/// R2–R4: the password as the user password (algorithms 2 and 4/5), then as the owner
/// password (algorithm 7: /O decrypted with a key from it gives the user password).
fn legacy_key(e: &Encrypt<'_>, id0: &[u8], password: &[u8]) -> Result<Vec<u8>, CryptError> {
    let o =
        e.o.get(..32)
            .ok_or_else(|| CryptError::Corrupt(format!("/O is {} bytes, not 32", e.o.len())))?;
    let u =
        e.u.get(..32)
            .ok_or_else(|| CryptError::Corrupt(format!("/U is {} bytes, not 32", e.u.len())))?;
    let n = key_length(e)?;
    let user_key = file_key(e, id0, o, n, password);
    if user_key_matches(e.r, &user_key, id0, u) {
        return Ok(user_key);
    }
    // Algorithm 3 steps a–d: the RC4 key that encrypted the user password into /O.
    let mut hash: [u8; 16] = Md5::digest(padded(password)).into();
    if e.r >= 3 {
        for _ in 0..50 {
            hash = Md5::digest(hash).into();
        }
    }
    let owner_key = &hash[..n];
    let mut user_password = o.to_vec();
    if e.r == 2 {
        user_password = rc4(owner_key, &user_password);
    } else {
        for i in (0..20u8).rev() {
            let key: Vec<u8> = owner_key.iter().map(|b| b ^ i).collect();
            user_password = rc4(&key, &user_password);
        }
    }
    let owner_opened = file_key(e, id0, o, n, &user_password);
    if user_key_matches(e.r, &owner_opened, id0, u) {
        return Ok(owner_opened);
    }
    Err(CryptError::Password)
}

/// The file key's length in bytes: 5 for R2, /Length / 8 for R3/R4.
fn key_length(e: &Encrypt<'_>) -> Result<usize, CryptError> {
    if e.r == 2 {
        return Ok(5);
    }
    // Writers of V4 files sometimes leave /Length out (its crypt filter carries it) or
    // write it in bytes, the way /CF's /Length is; readers accept both.
    let bits = e.length_bits.unwrap_or(if e.v >= 4 { 128 } else { 40 });
    match bits {
        5..=16 => Ok(bits as usize),
        40..=128 if bits % 8 == 0 => Ok(bits as usize / 8),
        _ => Err(CryptError::Corrupt(format!(
            "/Length {bits} is no RC4 key length"
        ))),
    }
}

/// The password cut or padded to 32 bytes with `PAD` (algorithm 2 step a).
fn padded(password: &[u8]) -> [u8; 32] {
    let mut out = PAD;
    let take = password.len().min(32);
    out[..take].copy_from_slice(&password[..take]);
    out[take..].copy_from_slice(&PAD[..32 - take]);
    out
}

/// Algorithm 2: the R2–R4 file key of `n` bytes from a (user) password.
fn file_key(e: &Encrypt<'_>, id0: &[u8], o: &[u8], n: usize, password: &[u8]) -> Vec<u8> {
    let mut md5 = Md5::new();
    md5.update(padded(password));
    md5.update(o);
    // `as u32` keeps the low 32 bits, whether /P was written signed or unsigned.
    md5.update((e.p as u32).to_le_bytes());
    md5.update(id0);
    if e.r >= 4 && !e.encrypt_metadata {
        md5.update([0xFF; 4]);
    }
    let mut hash: [u8; 16] = md5.finalize().into();
    if e.r >= 3 {
        for _ in 0..50 {
            hash = Md5::digest(&hash[..n]).into();
        }
    }
    hash[..n].to_vec()
}

/// Algorithms 4 (R2) and 5 (R3/R4): whether `key` encrypts what /U holds.
fn user_key_matches(r: i64, key: &[u8], id0: &[u8], u: &[u8]) -> bool {
    if r == 2 {
        return rc4(key, &PAD) == u;
    }
    let mut md5 = Md5::new();
    md5.update(PAD);
    md5.update(id0);
    let mut value = rc4(key, &md5.finalize());
    for i in 1..20u8 {
        let round_key: Vec<u8> = key.iter().map(|b| b ^ i).collect();
        value = rc4(&round_key, &value);
    }
    // Only the first 16 bytes are defined; writers fill the rest with anything.
    value.get(..16) == u.get(..16)
}

/// R5/R6 (algorithm 2.A): the password as the user password, then as the owner
/// password; the matching one unlocks /UE or /OE, which holds the file key.
fn aes256_key(e: &Encrypt<'_>, password: &[u8]) -> Result<Vec<u8>, CryptError> {
    let o =
        e.o.get(..48)
            .ok_or_else(|| CryptError::Corrupt(format!("/O is {} bytes, not 48", e.o.len())))?;
    let u =
        e.u.get(..48)
            .ok_or_else(|| CryptError::Corrupt(format!("/U is {} bytes, not 48", e.u.len())))?;
    let password = &password[..password.len().min(127)];
    // Each 48-byte value is a 32-byte hash, an 8-byte validation salt, an 8-byte key salt.
    let (user_hash, user_salts) = u.split_at(32);
    let (owner_hash, owner_salts) = o.split_at(32);
    let (wrapped, salt, udata, name) = if hash_2b(e.r, password, &user_salts[..8], &[]) == user_hash
    {
        (e.ue, &user_salts[8..], &[][..], "/UE")
    } else if hash_2b(e.r, password, &owner_salts[..8], u) == owner_hash {
        (e.oe, &owner_salts[8..], u, "/OE")
    } else {
        return Err(CryptError::Password);
    };
    let wrapped = wrapped
        .and_then(|w| w.get(..32))
        .ok_or_else(|| CryptError::Corrupt(format!("{name} is missing or under 32 bytes")))?;
    let intermediate = hash_2b(e.r, password, salt, udata);
    let cipher = Aes256::new_from_slice(&intermediate)
        .map_err(|_| CryptError::Corrupt("AES-256 intermediate key".into()))?;
    Ok(cbc_decrypt(&cipher, [0; 16], wrapped))
}

/// The hash of R5 (SHA-256) or R6 (algorithm 2.B: SHA-256, then rounds of AES-128-CBC
/// and SHA-256/384/512 picked by the result), 32 bytes.
fn hash_2b(r: i64, password: &[u8], salt: &[u8], udata: &[u8]) -> Vec<u8> {
    let mut k: Vec<u8> = Sha256::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(udata)
        .finalize()
        .to_vec();
    if r == 5 {
        return k;
    }
    // The loop stops once round ≥ 64 and E's last byte ≤ round − 32: by round 288 at
    // the latest, as a byte is at most 255. The bound only makes that visible.
    for round in 1..=288u32 {
        let mut k1 = Vec::with_capacity(64 * (password.len() + k.len() + udata.len()));
        for _ in 0..64 {
            k1.extend_from_slice(password);
            k1.extend_from_slice(&k);
            k1.extend_from_slice(udata);
        }
        let Ok(cipher) = Aes128::new_from_slice(&k[..16]) else {
            break; // unreachable: k is 32, 48 or 64 bytes
        };
        let mut iv = [0; 16];
        iv.copy_from_slice(&k[16..32]);
        let e = cbc_encrypt(&cipher, iv, &k1);
        // The first 16 bytes as a big-endian number mod 3 is their sum mod 3 (256 ≡ 1).
        let pick = e[..16].iter().map(|&b| u32::from(b)).sum::<u32>() % 3;
        k = match pick {
            0 => Sha256::digest(&e).to_vec(),
            1 => Sha384::digest(&e).to_vec(),
            _ => Sha512::digest(&e).to_vec(),
        };
        let last = e.last().copied().unwrap_or(0);
        if round >= 64 && u32::from(last) + 32 <= round {
            break;
        }
    }
    k.truncate(32);
    k
}

/// RC4: a stream cipher, so encrypting and decrypting are the same.
fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    if key.is_empty() {
        return data.to_vec(); // unreachable: every key here is 5 to 32 bytes
    }
    let mut s: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, usize::from(j));
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|&byte| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[usize::from(i)]);
            s.swap(usize::from(i), usize::from(j));
            byte ^ s[usize::from(s[usize::from(i)].wrapping_add(s[usize::from(j)]))]
        })
        .collect()
}

/// AES-CBC string or stream data: a 16-byte IV, then whole blocks whose last one ends
/// in PKCS#7 padding.
fn aes_data(key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptError> {
    if data.is_empty() {
        return Ok(Vec::new()); // writers leave empty strings empty
    }
    if data.len() < 16 || !data.len().is_multiple_of(16) {
        return Err(CryptError::Corrupt(format!(
            "AES data of {} bytes is not an IV and whole blocks",
            data.len()
        )));
    }
    let (iv, body) = data.split_at(16);
    let mut iv_block = [0; 16];
    iv_block.copy_from_slice(iv);
    let mut plain = match key.len() {
        16 => Aes128::new_from_slice(key).map(|c| cbc_decrypt(&c, iv_block, body)),
        _ => Aes256::new_from_slice(key).map(|c| cbc_decrypt(&c, iv_block, body)),
    }
    .map_err(|_| CryptError::Corrupt(format!("AES key of {} bytes", key.len())))?;
    // Real readers (pdf.js, pdfium) keep the bytes when the padding is not valid
    // PKCS#7 rather than lose the object: so do we.
    if let Some(&pad) = plain.last() {
        let n = usize::from(pad);
        if (1..=16).contains(&n)
            && plain.len() >= n
            && plain[plain.len() - n..].iter().all(|&b| b == pad)
        {
            plain.truncate(plain.len() - n);
        }
    }
    Ok(plain)
}

/// CBC decryption by hand (each plaintext block is the cipher's output xor the
/// previous ciphertext block); a trailing partial block is dropped, no padding removed.
fn cbc_decrypt<C: BlockCipherDecrypt<BlockSize = aes::cipher::consts::U16>>(
    cipher: &C,
    iv: [u8; 16],
    data: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut previous = iv;
    for chunk in data.chunks_exact(16) {
        let mut block = Block::default();
        block.copy_from_slice(chunk);
        cipher.decrypt_block(&mut block);
        out.extend(block.iter().zip(previous).map(|(b, p)| b ^ p));
        previous.copy_from_slice(chunk);
    }
    out
}

/// CBC encryption by hand, no padding (algorithm 2.B's data is whole blocks).
fn cbc_encrypt<C: BlockCipherEncrypt<BlockSize = aes::cipher::consts::U16>>(
    cipher: &C,
    iv: [u8; 16],
    data: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut previous = Block::from(iv);
    for chunk in data.chunks_exact(16) {
        for (p, c) in previous.iter_mut().zip(chunk) {
            *p ^= c;
        }
        cipher.encrypt_block(&mut previous);
        out.extend_from_slice(&previous);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// One file of tests/fixtures/pdf/crypt (made by its make.py): its /Encrypt values
    /// and /ID[0] as pikepdf 10.18 read them, with the encrypted /Producer of its /Info
    /// (object 2 0) and its page's content stream (object 5 0), as written in the file.
    struct Fixture {
        name: &'static str,
        v: i64,
        r: i64,
        length_bits: Option<i64>,
        o: &'static str,
        u: &'static str,
        oe: &'static str,
        ue: &'static str,
        p: i64,
        encrypt_metadata: bool,
        method: Method,
        id0: &'static str,
        producer: &'static str,
        contents: &'static str,
    }

    const USER: &[u8] = b"yunling-user";
    const OWNER: &[u8] = b"yunling-owner";
    /// "LibreOffice 7.4" as page1.pdf's /Producer holds it: UTF-16BE with a BOM.
    const PRODUCER: &str = "feff004c0069006200720065004f0066006600690063006500200037002e0034";
    /// SHA-256 of page1.pdf's content stream as stored (still /FlateDecode), 333 bytes.
    const CONTENTS_SHA256: &str =
        "34420db19f0d361a1f465e4a1851b2f030af9d8ed59e636c1cc430d3a07ebe69";

    const FIXTURES: &[Fixture] = &[
        // From tests/fixtures/pdf/crypt/r2-rc4-40.pdf.
        Fixture {
            name: "r2-rc4-40.pdf",
            v: 1,
            r: 2,
            length_bits: Some(40),
            o: "b94678a44141b830849f23b3f917f277eff8a3f9ec4de334c10f1e748449611f",
            u: "ce109812d14ee50f1b8d28d0518bb497ecfe29f8bdac238e0bf4b8234f5f0858",
            oe: "",
            ue: "",
            p: -60,
            encrypt_metadata: true,
            method: Method::Rc4,
            id0: "00000000000000000000000020260305",
            producer: "959a13d096c2c7408782e37e1e544e50e7696526f68d4b88c3487d7052caa38c",
            contents: "2d81f163203b90c8e7025741e16a7661ccaadeef19b5ea6bb0af96f23f9bff6fd47e4223bdd3fc96656387a59660d4c6cf1b8ed46bf0bfc5e65a6d0039474413d43513f680c29bc9b9e61ec342638fb1429725ddba58ab4713fd2b0e1f14a4d13a5b94f802afefe63ebbf004870c1a076a91c16568eb1a2918e724742cbb9e230481f0310262da6e1cfe665046de457d7ca84ec7c2682e19460886d884cfe4a1eecde76856057fb2ddd387d34c0a3dd0a0dc63859c1e8eabb370251af2352a4f9511172536c8a44c4ed303c0388383c01b3f84708784ae78255ca0329f5e980deb0479cd9636de6862fc7f9cb866c8719a796e778dcaf5c3dedf7851b59b4ca272ca0eba4076b577ba35d4a73011f54c9a34f8ee82ddfc71ba5b4365d0716e62151865742b87496031dfdcffde4eab1428b3af34a9697035dc3293f3a5d78d3b3071c15eb4e80dbdd49460ac33",
        },
        // From tests/fixtures/pdf/crypt/r3-rc4-128.pdf.
        Fixture {
            name: "r3-rc4-128.pdf",
            v: 2,
            r: 3,
            length_bits: Some(128),
            o: "5c0b8ef4d2f0ec3ac0a92c24b038fded6599280eddc1bb4b895d5a34bd9325c4",
            u: "efd01f008ff830d806bd956ef6d74c6d0021446990b9e4114071a4d9104984c1",
            oe: "",
            ue: "",
            p: -1340,
            encrypt_metadata: true,
            method: Method::Rc4,
            id0: "00000000000000000000000020260305",
            producer: "cd52a2e6dae4287643ceb5c6846214e419d432c892f65eb32dc070fb280a3be7",
            contents: "82ff49748ac17e62c8b66b50ab5a27075601bc7b49205024fe8ccff28f79ad2b12dcf3073b8304912b0b402628a835398398fa0836c0ae1987744873cd62f872c2889e7ebf786022ccd70c08f1b56cbd0cf6bd45f8a5c176189778411f8320c99e5a3b39f7dabd62526b5de1f49a0a7314fe1eb31a7ff1df866b3161d1417cba29a8c751bec9aa3dd5d690f9a9bd1829a8b235c1c050b6debffef9a65e05eeb17f125836e8e261219a9be9a34d88c0a0165bbff9982102835997c6a785d6258600bc2185ce91b279c3713725743c2728c7d5fcc347749de5862e29a76c16d891c4e948b3ea2e65fb4370267359832791588f86a2335461ad1e64d90a54e75590483eab10c7ba54ac78c4b6c91070be81d6e241a7c399f8d9b20715b7b7739946025c236c8b847783ab25e3c619d6b8b4f1e07d08f9f5c5bf700ee59b3fd2ae1967c4b6aa3ca0a0d267d92bab32",
        },
        // From tests/fixtures/pdf/crypt/r4-rc4-nometa.pdf.
        Fixture {
            name: "r4-rc4-nometa.pdf",
            v: 4,
            r: 4,
            length_bits: Some(128),
            o: "5c0b8ef4d2f0ec3ac0a92c24b038fded6599280eddc1bb4b895d5a34bd9325c4",
            u: "fe4a0e08d425be6c9115fbd00ac7f2920021446990b9e4114071a4d9104984c1",
            oe: "",
            ue: "",
            p: -1028,
            encrypt_metadata: false,
            method: Method::Rc4,
            id0: "00000000000000000000000020260305",
            producer: "84497760257085f26356cc04368c6fcae8ca7998d3fe15e2797dca448c4698eb",
            contents: "fc7276bf4e7a4d4ce073a058012a30d6f18140274814dc9dc82bb8bebbe13ea1f6dfaf7164ab261a10602130fa8659ecfa5dd9cd4ee37923abe9cd57cd31759d866d1b7e8a42736f80ddb090093b4d2b31f806b0f467a23f7ef55079273df08110e87d260a171d53b06f78227e4b9835829b23fc27b1973d8603845ad8e2af8990e5da9d5efadfd79fa771122e76b5295d42206a4b8e254dfd4ce73ac39aaa4d7698351ebef62be309b241743b8aa90192b0dee41179199fb65572fd9af8dacc47be2480fcd6f7d9bccb2799a3ebeea283dfb2d811d3525477687d496633f979754b29615fd27dac6c785e575a9c48fdde5f0ca0495074bc9b1eaa1669266aab4eb9d667ccc92318a2bb3e9022631e1c099188db42f973bfaee3675b5289fb33e8396e52dfd3dca7a541f3db510879f76dcd842e2744db0cbaa4d64b19ab815a805d6d48cdf23db41fa24ef51c",
        },
        // From tests/fixtures/pdf/crypt/r4-aes128.pdf.
        Fixture {
            name: "r4-aes128.pdf",
            v: 4,
            r: 4,
            length_bits: Some(128),
            o: "5c0b8ef4d2f0ec3ac0a92c24b038fded6599280eddc1bb4b895d5a34bd9325c4",
            u: "94b00e4d5601653391e94f5fc6592ab00021446990b9e4114071a4d9104984c1",
            oe: "",
            ue: "",
            p: -1028,
            encrypt_metadata: true,
            method: Method::Aes128,
            id0: "00000000000000000000000020260305",
            producer: "081e449ea896470cc620e0d411eecf79f4346029f1744fa49639a467692b3bb566136b9fec144e9eb996b87504d15aa538ed1332986196416f97cc45fa0d3b61",
            contents: "67f23a517ee39a5746bd4473acfecaa991ab4e1112bb67d569054f120bb94e8c0eb41bbddf97c5d609cadfca2714bfed397ae6778bd1ab8151e5152973e74c8c05d1650167a6a8561091858eb3052ed12f3162fcbb41bf8f8cf9d450afeef54422139836dbbbe20452d5a92bc7ddc6bf1a7bb300c8302608749e11f662560b1b451e928e3eed715d399464ddd93342e87ff6f0b913fbce9c5ef4d4bef1e621196f99a6299586fa659489e1c7a159fea66aae44d6a79516cebb4c9b3460a52b50e3e271dcedff7f47b2047faeffc527e73502feef24cfc761aae49b3613e397155d24fd8baa59ac82dd75738e87a18297d6fd449510e4e04b63f871e7ad7aac90d6ad6a3c8b03d5586c8ef4af903e77dcafbc34966306dc6e85664fe722e6dfecb7f589b313f5a93166cfa255da0be3628b4417d120ee89ae4180104314753d937035e7f5a07bad325f06339f79c6a0da33e6fa7dea4bae54d0240ca7e52932fd",
        },
        // From tests/fixtures/pdf/crypt/r5-aes256.pdf.
        Fixture {
            name: "r5-aes256.pdf",
            v: 5,
            r: 5,
            length_bits: Some(256),
            o: "491ac81b7863af03e85b77b32cc0088986af533b88fbcde0aa5c496fbd6291297d10982f153f17b8c3f7b75f6710a7d5",
            u: "55e7953c85eecc45c6e7a5e3b47ea87fd054cecf72ffe8d4316607880938c465c2eddc3d6600c0aee437761690dbeb14",
            oe: "b1e640fe20871eead538a7806506355565cd41efb14e9eb7f2b2b306aeadad0a",
            ue: "d0f2dccd3fc2bed262bd84440b6c3aebd73fee88a4342207c4bf1dcb02b5c259",
            p: -1028,
            encrypt_metadata: true,
            method: Method::Aes256,
            id0: "00000000000000000000000020260305",
            producer: "10f939b7bd338fc35fba3548b6ba7591d1dff3932fee111c528ed65f0880b0608a0be9f1f68a6088fa280b0ac4534bce71c619f519e33402ba1a58f8114a5f5d",
            contents: "4d4f23ea77a46f9598a37a18d158614234a239268a6bb944cecf3dbd4438688672c0a7411e48872655f2db25c7c78d715aa434fa98d2419fe9968b076a8d093e793a741bcb0b471a5750087adcc7b909caac42a15b66eb8a996782b96a1288eabffc9a3a1150dca2e8fc60264fde596686e507b59adced9d7f31e5f2f95cb3f0d624a2b50922e2db7d5d6e01e12bd92a1e58ca23269bb0cbcc3040db138923ebcdd1909c48e17886210b1cf2197a108ff29007783c1be1fc4fbe4071c889cbf017377db014c70aef209341af3f729c6f33bbdd017f081d98b628ea61a3661a4d580823ee0be0d44ea6dcc51cf2344e7687cb3985539260e79b5940644abfbab6a7b31c06cbc47a73091271bf39004f814cc71d6476cae5348f894b70dd7294e6fbce869217999446bfa4d0baa8542f91e71f16ad8eb7a7e01095754bdb7bb27f210142d8b0f210e96f5776280f73276b832c8115b28bdb7880c519965f138960",
        },
        // From tests/fixtures/pdf/crypt/r6-aes256.pdf.
        Fixture {
            name: "r6-aes256.pdf",
            v: 5,
            r: 6,
            length_bits: Some(256),
            o: "f2552ffb390666464cd707c56216112ee6e1aa73b79dd56d79c518fabcb691907176db7ffa6865ac63a50903bb7ea916",
            u: "62e078db9541fd9c5af4f5e4ca59c592c5fdc63b3784809ac031b40a4edfbe3daf3967ce353e61ca54f4cce3b6a43153",
            oe: "bf0f4e971cd1a4156353eb6271dd950525c94b7bd2d721bb381e54f4fb4429f7",
            ue: "34459129fc78b3216f969cad9a05f1d461dbe5c6be0815ee878f6f9b2b2eaa86",
            p: -1340,
            encrypt_metadata: true,
            method: Method::Aes256,
            id0: "00000000000000000000000020260305",
            producer: "798fd7326c96d2f5ba877a7e35af4535cc2c95177bd3555cce0abd9b5cc563725859c0a3ca08f37544d813a5ba69391ca1a308a5ca77d3f2d0290cb203170aed",
            contents: "cae3817cdda9cab96bb5add05fdab219c031f3ecd39d174d206c669321760bfce4c3f25b34cc5d365052a4380a94e3d71cffdfccd00bb8a97110d08c254153a5b52c541d22c77a359c750068e68e92509205f8d5c393d05bb128268536b2186bae78b2bc48156c6853cf4bec86ea3c6e431db9042d61498656709a1fced0d146bd9c684c8e0403d37293dc3b3751b8a6604496910eb2a55ec18731ea7808771aa0b0674d1fef2d803577279eedaaee3efbc57dbcafa3e6c5a94e0128e77b5b4ecad760071bab1ea35fd4ba40ba9812615b1bdaff318aa7f5dca8a6a396b9b9cc10207209e64fc59578b0572b3c30dd2287a6e621760b90eff915f6d5cad25805d927ed60db3e7610174ce0a44eb1bfc08a8532fea1f3d155e8c4194e8dcc4cd047c82bc9e7c51078f6d6466994cb901722cab630203aaaad574e802f9dda730592a7a3f4aef37851601cdc724f2cbab7733dce182b1362b2ff36aba9eed94752",
        },
        // From tests/fixtures/pdf/crypt/r3-user.pdf.
        Fixture {
            name: "r3-user.pdf",
            v: 2,
            r: 3,
            length_bits: Some(128),
            o: "0dc1aec6f5eb0156d1da0700677db2bb05c2a2f969a9cb9d59abf2c2f7ee4c08",
            u: "ea5bbfe310b238023009aaf9e41eb0c10021446990b9e4114071a4d9104984c1",
            oe: "",
            ue: "",
            p: -1028,
            encrypt_metadata: true,
            method: Method::Rc4,
            id0: "00000000000000000000000020260305",
            producer: "c732b17433587a300edd9e3cdd6d814c83450cf93f71b48831981c8a5c663ef1",
            contents: "68dd9059afe55955442f3196740a1dcb06219b4fcedb198aded45858a2b023e117c71135fb11676738a5d1510bb2c61fd5477fe06270abbf85f348ba065b932bca93f9ee45bfe88e73917c4f7ddeac15e8381bb528cf41a0eec5619c1771fb8b6393f332c01b43d95e5da4ba3289b839950884f5d8546025ac2449ee0a3e654f6ae8639f5d38e172138d4dd43fc3ac1b75fc585f9055fde4b21d2fd62e54187fd789b5858f88f3445da7f4b4b07cc1beff907f278b6a9996b3e0d4a338dad3774f6679ac48679b116a81881f4be882b42e03316f4371e51f79d059221ced1d20ce36c9d49f223c3676101046feb9d8f4e89946bbc58d7f2aaa911d9a445e4bdc31b00ff32e9feead704271a32c7de9ff32a5557d1f7af4ffc52c552ba14a9257a4318fceed1a5e7e11e4ed29978cc45f32f132b42047d37b2ca23faa514a0740f5b36244d1bd9bbb0890b0cd58",
        },
        // From tests/fixtures/pdf/crypt/r6-user.pdf.
        Fixture {
            name: "r6-user.pdf",
            v: 5,
            r: 6,
            length_bits: Some(256),
            o: "9d40e32ec8299c76c263dee3737c0f36b0391e85c52cbd452a15fd9d15a7e254de5c5edb1ed10a418288425dd9912ae5",
            u: "e6b0c1c3028cbc525efc5fc2a499ead49aa92fb54715b0d1588797d1b797fe4ed3d4e89f8d272b5ddf38668e0d908fe3",
            oe: "5eec4ad3569d43a7b283c7223d7cb88c3295b37188c3b0c78694b8abed33b2eb",
            ue: "6f646035c56525b75e8b76de75888458c0429b1cd8e2165ce375043bcca70ea5",
            p: -1028,
            encrypt_metadata: true,
            method: Method::Aes256,
            id0: "00000000000000000000000020260305",
            producer: "ba25371b83b49585e1897721d75afae60c334d84c6e6ce7b222295f19ca28e1096a333d3f1c8571d5f187d7eb3ce92e7ac463b648e6e40e926f559aed35f3950",
            contents: "7afe0d03995d0cc725a223fee30d5d36797f97a865444de60b6b79c902ef32946ecb43f46cac671e709d52753d620a6a65aaf3600f154a502936cd01d51cd34ded0b013b10fc8b004896c38ad87fa5d3126f9503e030b7ba03573adfbd61482b7218809ca7b1289537a559ded7d805886e3df5df0c39e8e5211b28fda3083768839d5b6ef0dedee8eee0eaaa97634c788a4f7e44313f16b281a1c3459471aae1d52856fb5ebe72f0425efc53061fe2872ab9983d7d9ba24e2b026d7346cfbd7517209841fecfd0d6d327ce35d421157b4146432e678e821db233c66f25601335291a405a8e1b38a3ce61066390dc6f2965af15e0b47c2fe772de859ac3d56ce1d4dabed37b970e141191aa08643177167e38c2b63b3ce174201c6805591cf9779305ec58f986010efde12ce150e1bb24e8024bb48697d1573f9786217c299e07df9b8854e611444926fb4b0cfe20a7de3566bc6bcf4ce86bee8d02f9aa85e686",
        },
    ];

    /// The fixture's byte strings, owned, so that an `Encrypt` can borrow them.
    struct Bytes {
        o: Vec<u8>,
        u: Vec<u8>,
        oe: Option<Vec<u8>>,
        ue: Option<Vec<u8>>,
        id0: Vec<u8>,
    }

    impl Fixture {
        fn bytes(&self) -> Bytes {
            let some = |s: &str| (!s.is_empty()).then(|| hex(s));
            Bytes {
                o: hex(self.o),
                u: hex(self.u),
                oe: some(self.oe),
                ue: some(self.ue),
                id0: hex(self.id0),
            }
        }

        fn encrypt<'a>(&self, b: &'a Bytes) -> Encrypt<'a> {
            Encrypt {
                filter: b"Standard",
                v: self.v,
                r: self.r,
                length_bits: self.length_bits,
                o: &b.o,
                u: &b.u,
                oe: b.oe.as_deref(),
                ue: b.ue.as_deref(),
                p: self.p,
                encrypt_metadata: self.encrypt_metadata,
                streams: self.method,
                strings: self.method,
            }
        }

        fn needs_user_password(&self) -> bool {
            self.name.contains("user")
        }
    }

    fn fixture(name: &str) -> &'static Fixture {
        FIXTURES.iter().find(|f| f.name == name).unwrap()
    }

    /// Decrypts the fixture's /Producer and content stream and checks both.
    fn assert_opens(f: &Fixture, d: &Decryptor) {
        let producer = d.string(2, 0, &hex(f.producer)).unwrap();
        assert_eq!(producer, hex(PRODUCER), "{}: /Producer", f.name);
        let contents = d.stream(5, 0, &hex(f.contents)).unwrap();
        assert_eq!(contents.len(), 333, "{}: /Contents", f.name);
        assert_eq!(
            Sha256::digest(&contents).to_vec(),
            hex(CONTENTS_SHA256),
            "{}",
            f.name
        );
        assert_eq!(d.encrypts_metadata(), f.encrypt_metadata, "{}", f.name);
    }

    #[test]
    fn rc4_matches_published_vectors() {
        assert_eq!(rc4(b"Key", b"Plaintext"), hex("bbf316e8d940af0ad3"));
        assert_eq!(rc4(b"Wiki", b"pedia"), hex("1021bf0420"));
        assert_eq!(
            rc4(b"Secret", b"Attack at dawn"),
            hex("45a01f645fc35b383552544b9bf5")
        );
    }

    #[test]
    fn aes_cbc_matches_nist_sp800_38a() {
        let iv: [u8; 16] = core::array::from_fn(|i| i as u8);
        let plain = hex(concat!(
            "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
            "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
        ));
        // F.2.1 / F.2.2: CBC-AES128.Encrypt and .Decrypt.
        let aes128 = Aes128::new_from_slice(&hex("2b7e151628aed2a6abf7158809cf4f3c")).unwrap();
        let cipher128 = hex(concat!(
            "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2",
            "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"
        ));
        assert_eq!(cbc_decrypt(&aes128, iv, &cipher128), plain);
        assert_eq!(cbc_encrypt(&aes128, iv, &plain), cipher128);
        // F.2.6: CBC-AES256.Decrypt.
        let aes256 = Aes256::new_from_slice(&hex(
            "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        ))
        .unwrap();
        let cipher256 = hex(concat!(
            "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d",
            "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"
        ));
        assert_eq!(cbc_decrypt(&aes256, iv, &cipher256), plain);
    }

    #[test]
    fn owner_only_files_open_with_the_empty_password() {
        for f in FIXTURES.iter().filter(|f| !f.needs_user_password()) {
            let b = f.bytes();
            let d = Decryptor::new(&f.encrypt(&b), &b.id0)
                .unwrap_or_else(|e| panic!("{}: {e:?}", f.name));
            assert_opens(f, &d);
        }
    }

    #[test]
    fn user_password_files_need_it() {
        for f in FIXTURES.iter().filter(|f| f.needs_user_password()) {
            let b = f.bytes();
            let e = f.encrypt(&b);
            assert_eq!(Decryptor::new(&e, &b.id0).err(), Some(CryptError::Password));
            assert_eq!(
                Decryptor::with_password(&e, &b.id0, b"yunling").err(),
                Some(CryptError::Password)
            );
            assert_opens(f, &Decryptor::with_password(&e, &b.id0, USER).unwrap());
        }
    }

    #[test]
    fn owner_password_opens_every_file() {
        for f in FIXTURES {
            let b = f.bytes();
            let d = Decryptor::with_password(&f.encrypt(&b), &b.id0, OWNER)
                .unwrap_or_else(|e| panic!("{}: {e:?}", f.name));
            assert_opens(f, &d);
        }
    }

    #[test]
    fn p_written_unsigned_gives_the_same_key() {
        let f = fixture("r3-rc4-128.pdf");
        let b = f.bytes();
        let mut e = f.encrypt(&b);
        e.p += 1 << 32;
        assert_opens(f, &Decryptor::new(&e, &b.id0).unwrap());
    }

    #[test]
    fn encrypt_metadata_false_enters_the_r4_key() {
        let f = fixture("r4-rc4-nometa.pdf");
        let b = f.bytes();
        let mut e = f.encrypt(&b);
        e.encrypt_metadata = true;
        assert_eq!(Decryptor::new(&e, &b.id0).err(), Some(CryptError::Password));
    }

    #[test]
    fn unknown_handlers_revisions_and_methods_are_unsupported() {
        let f = fixture("r4-aes128.pdf");
        let b = f.bytes();
        let unsupported =
            |e: &Encrypt<'_>| matches!(Decryptor::new(e, &b.id0), Err(CryptError::Unsupported(_)));
        let base = f.encrypt(&b);
        assert!(unsupported(&Encrypt {
            filter: b"Adobe.PubSec",
            ..f.encrypt(&b)
        }));
        assert!(unsupported(&Encrypt {
            r: 7,
            ..f.encrypt(&b)
        }));
        assert!(unsupported(&Encrypt {
            r: 1,
            ..f.encrypt(&b)
        }));
        assert!(unsupported(&Encrypt {
            v: 3,
            ..f.encrypt(&b)
        }));
        assert!(unsupported(&Encrypt {
            strings: Method::Aes256,
            ..f.encrypt(&b)
        }));
        assert!(!unsupported(&base));
        let Err(CryptError::Unsupported(name)) = Decryptor::new(
            &Encrypt {
                filter: b"FOPN_foweb",
                ..base
            },
            &b.id0,
        ) else {
            panic!("not unsupported");
        };
        assert_eq!(name, "security handler /FOPN_foweb");
        assert_eq!(
            CryptError::Unsupported(name).to_string(),
            "security handler /FOPN_foweb is not supported"
        );
    }

    #[test]
    fn short_o_u_oe_ue_are_corrupt() {
        let corrupt = |e: &Encrypt<'_>, id0: &[u8]| {
            matches!(
                Decryptor::with_password(e, id0, OWNER),
                Err(CryptError::Corrupt(_))
            )
        };
        for f in FIXTURES {
            let b = f.bytes();
            let short = if f.r >= 5 { 47 } else { 31 };
            assert!(corrupt(
                &Encrypt {
                    o: &b.o[..short],
                    ..f.encrypt(&b)
                },
                &b.id0
            ));
            assert!(corrupt(
                &Encrypt {
                    u: &b.u[..short],
                    ..f.encrypt(&b)
                },
                &b.id0
            ));
            assert!(corrupt(
                &Encrypt {
                    o: &[],
                    u: &[],
                    ..f.encrypt(&b)
                },
                &b.id0
            ));
            if f.r >= 5 {
                // The owner password unlocks /OE; the user password /UE.
                assert!(corrupt(
                    &Encrypt {
                        oe: None,
                        ..f.encrypt(&b)
                    },
                    &b.id0
                ));
                let oe = b.oe.as_deref().map(|oe| &oe[..31]);
                assert!(corrupt(
                    &Encrypt {
                        oe,
                        ..f.encrypt(&b)
                    },
                    &b.id0
                ));
                let ue_missing = Encrypt {
                    ue: None,
                    ..f.encrypt(&b)
                };
                let user = if f.needs_user_password() { USER } else { b"" };
                assert!(matches!(
                    Decryptor::with_password(&ue_missing, &b.id0, user),
                    Err(CryptError::Corrupt(_))
                ));
            }
        }
    }

    #[test]
    fn key_length_reads_bits_bytes_or_nothing() {
        let f = fixture("r3-rc4-128.pdf");
        let b = f.bytes();
        let length = |v, length_bits| {
            key_length(&Encrypt {
                v,
                length_bits,
                ..f.encrypt(&b)
            })
        };
        assert_eq!(length(2, Some(128)), Ok(16));
        assert_eq!(length(2, Some(40)), Ok(5));
        assert_eq!(length(2, None), Ok(5));
        assert_eq!(length(4, None), Ok(16));
        assert_eq!(length(4, Some(16)), Ok(16));
        for bad in [0, 4, 17, 39, 41, 136, -128, i64::MAX, i64::MIN] {
            assert!(
                matches!(length(2, Some(bad)), Err(CryptError::Corrupt(_))),
                "{bad}"
            );
        }
        let e = Encrypt {
            r: 2,
            length_bits: Some(-1),
            ..f.encrypt(&b)
        };
        assert_eq!(key_length(&e), Ok(5));
    }

    #[test]
    fn aes_data_of_bad_length_is_corrupt() {
        let f = fixture("r4-aes128.pdf");
        let b = f.bytes();
        let d = Decryptor::new(&f.encrypt(&b), &b.id0).unwrap();
        for len in [1, 15, 17, 31, 33, 47] {
            let data = vec![0x5A; len];
            assert!(
                matches!(d.string(2, 0, &data), Err(CryptError::Corrupt(_))),
                "{len}"
            );
            assert!(
                matches!(d.stream(5, 0, &data), Err(CryptError::Corrupt(_))),
                "{len}"
            );
        }
        assert_eq!(d.string(2, 0, &[]), Ok(Vec::new()));
        assert_eq!(d.string(2, 0, &[7; 16]), Ok(Vec::new()));
    }

    #[test]
    fn aes_padding_is_stripped_when_valid_and_kept_when_not() {
        let key = [9; 16];
        let cipher = Aes128::new_from_slice(&key).unwrap();
        let encrypted = |plain: &[u8]| {
            let mut data = vec![3; 16];
            data.extend(cbc_encrypt(&cipher, [3; 16], plain));
            data
        };
        let mut whole_pad = b"0123456789abcdef".to_vec();
        whole_pad.extend([16; 16]);
        assert_eq!(
            aes_data(&key, &encrypted(&whole_pad)),
            Ok(b"0123456789abcdef".to_vec())
        );
        let one = b"0123456789abcde\x01";
        assert_eq!(aes_data(&key, &encrypted(one)), Ok(one[..15].to_vec()));
        for bad in [
            &b"0123456789abcde\x00"[..],
            b"0123456789abcde\x11",
            b"0123456789abcd\x01\x02",
        ] {
            assert_eq!(aes_data(&key, &encrypted(bad)), Ok(bad.to_vec()));
        }
        assert!(matches!(
            aes_data(&[1; 7], &[0; 32]),
            Err(CryptError::Corrupt(_))
        ));
    }

    /// The reader's test sequence (`next_random`), some cases tamed.
    struct Rng {
        state: u64,
        tame: bool,
    }

    impl Rng {
        fn next(&mut self) -> u64 {
            super::super::next_random(&mut self.state)
        }

        fn below(&mut self, n: u64) -> usize {
            (self.next() % n) as usize
        }

        fn bytes(&mut self, max: u64) -> Vec<u8> {
            let len = self.below(max + 1);
            (0..len).map(|_| self.next() as u8).collect()
        }

        /// In a tame case nearly always the fixture's value, in a wild one a third of
        /// the time; else it with one bit flipped, or noise.
        fn keep(&mut self) -> bool {
            if self.tame {
                self.below(16) != 0
            } else {
                self.below(3) == 0
            }
        }

        fn near(&mut self, real: &[u8], max: u64) -> Vec<u8> {
            let mut out = real.to_vec();
            if self.keep() {
                return out;
            }
            if !out.is_empty() && self.below(2) == 0 {
                let i = self.below(out.len() as u64);
                out[i] ^= 1 << self.below(8);
            } else {
                out = self.bytes(max);
            }
            out
        }

        fn small(&mut self, real: i64) -> i64 {
            match self.below(2) {
                _ if self.keep() => real,
                0 => self.below(10) as i64 - 2,
                _ => self.next() as i64,
            }
        }

        fn method(&mut self) -> Method {
            [
                Method::Identity,
                Method::Rc4,
                Method::Aes128,
                Method::Aes256,
            ][self.below(4)]
        }
    }

    #[test]
    fn random_fields_never_panic() {
        let mut rng = Rng {
            state: 0x9E37_79B9_7F4A_7C15,
            tame: false,
        };
        let mut opened = 0;
        for case in 0..3000 {
            rng.tame = rng.below(2) == 0;
            let f = &FIXTURES[rng.below(FIXTURES.len() as u64)];
            let b = f.bytes();
            let o = rng.near(&b.o, 60);
            let u = rng.near(&b.u, 60);
            let oe = b.oe.as_deref().map(|oe| rng.near(oe, 40));
            let ue = b.ue.as_deref().map(|ue| rng.near(ue, 40));
            let id0 = rng.near(&b.id0, 20);
            let filter = if rng.below(10) == 0 {
                rng.bytes(10)
            } else {
                b"Standard".to_vec()
            };
            let mut e = Encrypt {
                filter: &filter,
                v: rng.small(f.v),
                r: rng.small(f.r),
                length_bits: [None, f.length_bits, Some(rng.next() as i64)][rng.below(3)],
                o: &o,
                u: &u,
                oe: oe.as_deref(),
                ue: ue.as_deref(),
                p: rng.small(f.p),
                encrypt_metadata: if rng.keep() {
                    f.encrypt_metadata
                } else {
                    rng.below(2) == 0
                },
                streams: if rng.keep() { f.method } else { rng.method() },
                strings: if rng.keep() { f.method } else { rng.method() },
            };
            // R6's hash takes milliseconds in a debug build: one R6 case in eight keeps the
            // test to a few seconds (the others try R5's one SHA-256 on the same bytes).
            if e.r == 6 && case % 8 != 0 {
                e.r = 5;
            }
            let password = match rng.below(4) {
                0 => Vec::new(),
                1 => USER.to_vec(),
                2 => OWNER.to_vec(),
                _ => rng.bytes(200),
            };
            if let Ok(d) = Decryptor::with_password(&e, &id0, &password) {
                opened += 1;
                for _ in 0..4 {
                    let mut data = rng.bytes(80);
                    if rng.below(2) == 0 {
                        data.truncate(data.len() / 16 * 16); // whole AES blocks
                    }
                    let num = rng.next() as u32;
                    let generation = rng.next() as u16;
                    let _ = d.string(num, generation, &data);
                    let _ = d.stream(num, generation, &data);
                }
            }
            let _ = aes_data(&rng.bytes(40), &rng.bytes(80));
        }
        // The tame cases must reach the decryption, or the test proves little.
        assert!(opened > 150, "{opened} of 3000 cases opened");
    }
}
