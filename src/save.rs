//! Save and load: the spec, every parameter and the optimizer state in one versioned binary.
//!
//! Layout (all integers little-endian):
//! ```text
//! "NNPG"            magic
//! u32               format version (4)
//! u32 + bytes       the spec as JSON
//! u64               training steps done
//! u32 + f32 × n     parameter values
//! u64               optimizer step count
//! u32               number of optimizer buffers, then each as u32 + f32 × n
//! u32 × 4, u32 × 4  the dropout and the data random streams                    (format 3)
//! u64               examples seen                                              (format 3)
//! u32 + u32 × n     the current epoch's order of the training examples        (format 3)
//! u64               how many of them the epoch has visited                     (format 3)
//! u32 + f32 × n     the layers' state: batch norm's running means and variances (format 4)
//! u32               CRC-32 (IEEE) of every byte before it (formats 2 to 4; format 1 files have none)
//! ```
//! Loading rebuilds the network from the spec, then overwrites its values and state, so a round trip is exact;
//! with the streams and the order (format 3), training resumes exactly where the saved run was: the
//! next steps are bit for bit the ones it would have taken, given the same data.
//! A damaged file (a flipped byte, a cut) fails its checksum, and weights that are not finite (a
//! diverged run, or a file written by hand) are refused: either would load a network that cannot work.

use crate::error::{Error, Result};
use crate::model::spec::ModelSpec;
use crate::train::{Streams, Trainer};

const MAGIC: &[u8; 4] = b"NNPG";
const VERSION: u32 = 4;
/// Files from before layers had state (batch norm did not exist, so none of their networks has any).
const VERSION_WITHOUT_STATE: u32 = 3;
/// Files from before the streams were saved: still read (training resumes with a new data order).
const VERSION_WITHOUT_STREAMS: u32 = 2;
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
    let streams = trainer.streams();
    for word in streams.dropout.iter().chain(&streams.data) {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out.extend_from_slice(&streams.examples_seen.to_le_bytes());
    out.extend_from_slice(&(streams.order.len() as u32).to_le_bytes());
    for &i in &streams.order {
        out.extend_from_slice(&(i as u32).to_le_bytes());
    }
    out.extend_from_slice(&(streams.position as u64).to_le_bytes());
    write_f32s(&mut out, &trainer.network().state());
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
        VERSION | VERSION_WITHOUT_STATE | VERSION_WITHOUT_STREAMS => {
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
                "this model was saved in format version {version}, but this engine reads versions {VERSION_WITHOUT_CHECKSUM} to {VERSION}"
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
    let streams = if version >= VERSION_WITHOUT_STATE { Some(read_streams(&mut r)?) } else { None };
    let state = if version == VERSION { r.f32s()? } else { Vec::new() };
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
    trainer.network_mut().set_state(&state)?;
    trainer.optimizer_mut().restore_state(optimizer_steps, buffers)?;
    trainer.set_progress(steps);
    if let Some(streams) = streams {
        trainer.restore_streams(streams)?;
    }
    Ok(trainer)
}

fn read_streams(r: &mut Reader) -> Result<Streams> {
    let mut words = [0u32; 8];
    for w in &mut words {
        *w = r.u32()?;
    }
    let examples_seen = r.u64()?;
    let n = r.u32()? as usize;
    // Four bytes an index: a count the file cannot hold is refused before anything is allocated.
    let bytes = r.take(n.checked_mul(4).ok_or_else(|| Error::Format("the saved data order is damaged".into()))?)?;
    let order = bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize).collect();
    let position = usize::try_from(r.u64()?).map_err(|_| Error::Format("the saved data order is damaged".into()))?;
    Ok(Streams {
        dropout: [words[0], words[1], words[2], words[3]],
        data: [words[4], words[5], words[6], words[7]],
        examples_seen,
        order,
        position,
    })
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
    fn adagrad_and_adadelta_state_is_saved() -> Result<()> {
        for optimizer in [r#"{"type":"adagrad","lr":0.1,"initialAccumulatorValue":0.1}"#, r#"{"type":"adadelta"}"#] {
            let mut t = Trainer::new(ModelSpec::from_json(&format!(
                r#"{{"input":[1,4,4],"classes":3,"optimizer":{optimizer},"layers":[{{"type":"dense","units":3,"activation":"softmax"}}]}}"#
            ))?)?;
            let (train, test) =
                crate::data::synthetic::bars(6, crate::tensor::Dims::new(1, 4, 4), 3, 1)?.split(1, 4, 2)?;
            t.set_data(train, test)?;
            t.train_steps(3)?;
            let back = load(&save(&t))?;
            assert_eq!(back.optimizer(), t.optimizer(), "{optimizer}");
            assert!(back.optimizer().state_buffers()[0].iter().any(|&v| v != 0.0), "{optimizer}: state was kept");
        }
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

    /// A file of an older format: this one without its layer state (an empty list, 4 bytes), and
    /// before format 3 without its streams (a model without data has an empty order: 8 words, 8
    /// bytes, an empty list, 8 bytes), with its checksum or without.
    fn older(t: &Trainer, version: u32) -> Vec<u8> {
        let mut old = save(t);
        let streams = if version < VERSION_WITHOUT_STATE { 8 * 4 + 8 + 4 + 8 } else { 0 };
        old.truncate(old.len() - 4 - 4 - streams);
        old[4..8].copy_from_slice(&version.to_le_bytes());
        if version != VERSION_WITHOUT_CHECKSUM {
            let crc = crc32(&old);
            old.extend_from_slice(&crc.to_le_bytes());
        }
        old
    }

    #[test]
    fn files_of_older_formats_still_load() -> Result<()> {
        let t = tiny()?;
        for version in [VERSION_WITHOUT_CHECKSUM, VERSION_WITHOUT_STREAMS, VERSION_WITHOUT_STATE] {
            assert_eq!(load(&older(&t, version))?.network().store.values, t.network().store.values, "format {version}");
        }
        Ok(())
    }

    #[test]
    fn a_damaged_data_order_is_refused() -> Result<()> {
        let mut t = tiny()?;
        let (train, test) = crate::data::synthetic::bars(6, crate::tensor::Dims::new(1, 4, 4), 3, 1)?.split(1, 4, 2)?;
        t.set_data(train, test)?;
        t.train_steps(1)?;
        let mut bytes = save(&t);
        // The order's last index becomes the first's: no longer a permutation. The checksum is made anew.
        let body = bytes.len() - 4 - 4;
        let (first, last) = (body - 8 - 16, body - 8 - 4);
        let copy: [u8; 4] = bytes[first..first + 4].try_into().map_err(|_| Error::Format("test".into()))?;
        bytes[last..last + 4].copy_from_slice(&copy);
        bytes.truncate(body + 4);
        let crc = crc32(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        let msg = load(&bytes).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(msg, "the saved model is damaged: its order of the training examples cannot be used");
        Ok(())
    }

    fn bars_6x6() -> Result<(crate::data::dataset::Dataset, crate::data::dataset::Dataset)> {
        crate::data::synthetic::bars(30, crate::tensor::Dims::new(1, 6, 6), 3, 2)?.split(1, 20, 10)
    }

    fn batchnorm_trainer() -> Result<Trainer> {
        let mut t = Trainer::new(ModelSpec::from_json(
            r#"{"input":[1,6,6],"classes":3,"batchSize":8,"layers":[
                {"type":"conv2d","filters":2,"kernel":3},{"type":"batchnorm"},{"type":"activation","fn":"relu"},
                {"type":"dense","units":4},{"type":"batchnorm"},{"type":"dense","units":3,"activation":"softmax"}]}"#,
        )?)?;
        let (train, test) = bars_6x6()?;
        t.set_data(train, test)?;
        t.train_steps(4)?;
        Ok(t)
    }

    #[test]
    fn running_statistics_are_saved_and_loaded() -> Result<()> {
        let mut t = batchnorm_trainer()?;
        let state = t.network().state();
        // Two channels and four units, a mean and a variance each; moved away from 0 and 1.
        assert_eq!(state.len(), 2 * (2 + 4));
        assert!(state[..2].iter().any(|&v| v != 0.0) && state[2..4].iter().any(|&v| v != 1.0), "{state:?}");
        let mut back = load(&save(&t))?;
        assert_eq!(back.network().state(), state);
        let (train, test) = bars_6x6()?;
        back.set_data(train, test)?;
        // Evaluation uses them, and training goes on with the same bits.
        assert_eq!(back.evaluate(10)?.loss.to_bits(), t.evaluate(10)?.loss.to_bits());
        assert_eq!(back.train_steps(3)?.loss.to_bits(), t.train_steps(3)?.loss.to_bits());
        assert_eq!(back.network().state(), t.network().state());
        Ok(())
    }

    #[test]
    fn damaged_running_statistics_are_refused() -> Result<()> {
        let t = batchnorm_trainer()?;
        let mut bytes = save(&t);
        // The last state value is the dense batch norm's last variance: make it −1, checksum anew.
        let at = bytes.len() - 8;
        bytes[at..at + 4].copy_from_slice(&(-1.0f32).to_le_bytes());
        bytes.truncate(bytes.len() - 4);
        let crc = crc32(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        let msg = load(&bytes).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(msg, "the saved running statistics of batch normalization are damaged");
        Ok(())
    }
}
