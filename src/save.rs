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
//! ```
//! Loading rebuilds the network from the spec, then overwrites its values, so a round trip is exact.

use crate::error::{Error, Result};
use crate::model::spec::ModelSpec;
use crate::train::Trainer;

const MAGIC: &[u8; 4] = b"NNPG";
const VERSION: u32 = 1;

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
    out
}

pub fn load(bytes: &[u8]) -> Result<Trainer> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(4)? != MAGIC {
        return Err(Error::Format("this is not a saved nn-playground model (it does not start with NNPG)".into()));
    }
    let version = r.u32()?;
    if version != VERSION {
        return Err(Error::Format(format!(
            "this model was saved in format version {version}, but this engine reads version {VERSION}"
        )));
    }
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
    if r.pos != bytes.len() {
        return Err(Error::Format(format!("the file has {} unexpected bytes at its end", bytes.len() - r.pos)));
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
