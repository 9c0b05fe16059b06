//! Save and load: the spec, every parameter and the optimizer state in one versioned binary.
//!
//! Layout (all integers little-endian):
//! ```text
//! "NNPG"            magic
//! u32               format version (1)
//! u32 + bytes       the spec as JSON
//! u64               training steps done
//! u32 + f32 × n     parameter values
//! u64               optimizer step count
//! u32               number of optimizer buffers, then each as u32 + f32 × n
//! u32               CRC-32 (IEEE) of every byte before it (format 2; format 1 files have none)
//! ```
//! Loading rebuilds the network from the spec, then overwrites its values, so a round trip is exact.
//! A damaged file (a flipped byte, a cut) fails its checksum, and weights that are not finite (a
//! diverged run, or a file written by hand) are refused: either would load a network that cannot work.

use crate::error::{Error, Result};
use crate::model::spec::ModelSpec;
use crate::train::Trainer;

const MAGIC: &[u8; 4] = b"NNPG";
const VERSION: u32 = 2;
/// Files without a checksum, from before it was added: still read.
const VERSION_WITHOUT_CHECKSUM: u32 = 1;

pub fn save(trainer: &Trainer) -> Vec<u8> {
    let spec = serde_json::to_vec(trainer.spec()).expect("a spec always serializes");
    let values = &trainer.network().store.values;
    let buffers = trainer.optimizer().state_buffers();
    let mut out =
        Vec::with_capacity(64 + spec.len() + 4 * (values.len() + buffers.iter().map(|b| b.len()).sum::<usize>()));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(spec.len() as u32).to_le_bytes());
    out.extend_from_slice(&spec);
    out.extend_from_slice(&trainer.steps().to_le_bytes());
    write_f32s(&mut out, values);
    out.extend_from_slice(&trainer.optimizer().steps().to_le_bytes());
    out.extend_from_slice(&(buffers.len() as u32).to_le_bytes());
    for b in buffers {
        write_f32s(&mut out, b);
    }
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

pub fn load(bytes: &[u8]) -> Result<Trainer> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(4)? != MAGIC {
        return Err(Error::Format("this is not a saved nn-playground model (it does not start with NNPG)".into()));
    }
    let version = r.u32()?;
    let body = match version {
        VERSION => {
            let (body, stored) = bytes.split_at(bytes.len().saturating_sub(4).max(8));
            let stored = stored.try_into().map(u32::from_le_bytes).ok();
            if stored != Some(crc32(body)) {
                return Err(Error::Format(
                    "the saved model is damaged or truncated: its checksum does not match its contents".into(),
                ));
            }
            body
        }
        VERSION_WITHOUT_CHECKSUM => bytes,
        _ => {
            return Err(Error::Format(format!(
                "this model was saved in format version {version}, but this engine reads versions {VERSION_WITHOUT_CHECKSUM} and {VERSION}"
            )))
        }
    };
    let mut r = Reader { bytes: body, pos: r.pos };
    let spec_len = r.u32()? as usize;
    let spec_json =
        std::str::from_utf8(r.take(spec_len)?).map_err(|_| Error::Format("the saved spec is not valid text".into()))?;
    let spec = ModelSpec::from_json(spec_json)?;
    let steps = r.u64()?;
    let values = r.f32s()?;
    let optimizer_steps = r.u64()?;
    let n_buffers = r.u32()? as usize;
    let mut buffers = Vec::with_capacity(n_buffers.min(8));
    for _ in 0..n_buffers {
        buffers.push(r.f32s()?);
    }
    if r.pos != body.len() {
        return Err(Error::Format(format!("the file has {} unexpected bytes at its end", body.len() - r.pos)));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::Format(format!(
            "parameter {i} of the saved model is {} (not a finite number): it was saved from a run whose loss diverged, or the file was changed",
            values[i]
        )));
    }

    let mut trainer = Trainer::new(spec)?;
    let store = &mut trainer.network_mut().store;
    if values.len() != store.values.len() {
        return Err(Error::Format(format!(
            "the file holds {} parameters but its network has {}",
            values.len(),
            store.values.len()
        )));
    }
    store.values.copy_from_slice(&values);
    trainer.optimizer_mut().restore_state(optimizer_steps, buffers)?;
    trainer.set_progress(steps);
    Ok(trainer)
}

/// CRC-32 as zlib and PNG compute it (reflected polynomial 0xEDB88320), bit by bit: a model file is
/// at most a few MB and is checked once per load.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn write_f32s(out: &mut Vec<u8>, values: &[f32]) {
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| {
            Error::Format(format!(
                "the saved model is truncated: it needs {n} more bytes at offset {} but has {}",
                self.pos,
                self.bytes.len().saturating_sub(self.pos)
            ))
        })?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn f32s(&mut self) -> Result<Vec<f32>> {
        let n = self.u32()? as usize;
        let b =
            self.take(n.checked_mul(4).ok_or_else(|| Error::Format("a length in the file is too large".into()))?)?;
        Ok(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::ModelSpec;

    fn tiny() -> Result<Trainer> {
        Trainer::new(ModelSpec::from_json(
            r#"{"input":[1,4,4],"classes":3,"layers":[{"type":"dense","units":3,"activation":"softmax"}]}"#,
        )?)
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        // The check value of CRC-32/ISO-HDLC for "123456789".
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn a_live_learning_rate_and_l2_are_saved() -> Result<()> {
        let mut t = tiny()?;
        t.set_learning_rate(0.25)?;
        t.set_l2(0.003)?;
        let back = load(&save(&t))?;
        assert_eq!(back.spec().optimizer.lr(), 0.25);
        assert_eq!(back.spec().l2, 0.003);
        Ok(())
    }

    #[test]
    fn a_flipped_byte_fails_the_checksum() -> Result<()> {
        let mut bytes = save(&tiny()?);
        let at = bytes.len() - 10; // inside the optimizer state, where the structure still reads
        bytes[at] ^= 0x01;
        let msg = load(&bytes).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("checksum does not match"), "{msg}");
        Ok(())
    }

    #[test]
    fn non_finite_weights_are_refused() -> Result<()> {
        let mut t = tiny()?;
        t.network_mut().store.values[5] = f32::NAN;
        let msg = load(&save(&t)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.starts_with("parameter 5 of the saved model is NaN"), "{msg}");
        Ok(())
    }

    #[test]
    fn files_of_the_format_without_a_checksum_still_load() -> Result<()> {
        let t = tiny()?;
        let mut old = save(&t);
        old.truncate(old.len() - 4);
        old[4..8].copy_from_slice(&VERSION_WITHOUT_CHECKSUM.to_le_bytes());
        assert_eq!(load(&old)?.network().store.values, t.network().store.values);
        Ok(())
    }
}
