//! Saliency, the gradient of one class's logit with respect to the input image: checked against
//! central differences on a small conv net (as tests/gradcheck.rs checks the layers), and shown to
//! leave training exactly as it was.

use nn_playground::data::synthetic::bars;
use nn_playground::model::spec::ModelSpec;
use nn_playground::rng::Rng;
use nn_playground::tensor::Dims;
use nn_playground::train::Trainer;
use nn_playground::Result;

/// Every kind of layer the input gradient passes through, on a 1×8×8 image. Max pooling comes
/// first, on pixels far enough apart that no step flips a window's maximum; smooth activations
/// (tanh, ELU, sigmoid) keep ReLU's kink out of the differences; dropout runs in evaluation mode
/// (the identity), as saliency always does.
const SPEC: &str = r#"{"input":[1,8,8],"classes":4,"seed":7,"batchSize":6,"epochs":50,"augment":true,
  "optimizer":{"type":"adam","lr":0.01},
  "layers":[{"type":"maxpool","size":2,"stride":1},
            {"type":"conv2d","filters":3,"kernel":3,"padding":"same","activation":"tanh"},
            {"type":"conv2d","filters":4,"kernel":3,"stride":1,"padding":1,"activation":"elu"},
            {"type":"avgpool","size":2},
            {"type":"dense","units":8,"activation":"sigmoid"},
            {"type":"dropout","rate":0.3},
            {"type":"dense","units":4,"activation":"softmax"}]}"#;

fn trained(steps: usize) -> Result<Trainer> {
    let mut t = Trainer::new(ModelSpec::from_json(SPEC)?)?;
    let (train, test) = bars(40, Dims::new(1, 8, 8), 4, 3)?.split(1, 30, 10)?;
    t.set_data(train, test)?;
    t.train_steps(steps)?;
    Ok(t)
}

fn logit(t: &mut Trainer, image: &[f32], class: usize) -> Result<f64> {
    let acts = t.activations(image)?;
    Ok(f64::from(acts[acts.len() - 1].example(0)[class]))
}

#[test]
fn the_input_gradient_matches_central_differences() -> Result<()> {
    let mut t = trained(20)?;
    let mut rng = Rng::new(11);
    // Distinct pixels 1/64 apart, so that no max-pooling window has a near tie the steps could flip.
    let mut image: Vec<f32> = (0..64).map(|k| k as f32 / 64.0).collect();
    rng.shuffle(&mut image);
    // Central differences (f(x + h) − f(x − h)) / 2h with h = 1e-2, as tests/gradcheck.rs checks
    // whole networks: the f32 logits carry rounding noise that a smaller step would magnify.
    let h = 1e-2f32;
    for class in 0..4 {
        let s = t.saliency(&image, Some(class))?;
        assert_eq!((s.class, s.gradient.len()), (class, 64));
        let mut x = image.clone();
        let mut numeric = Vec::with_capacity(64);
        for k in 0..64 {
            let v = x[k];
            let mut at = |d: f32| -> Result<f64> {
                x[k] = v + d;
                logit(&mut t, &x, class)
            };
            let diff = at(h)? - at(-h)?;
            x[k] = v;
            numeric.push(diff / (2.0 * f64::from(h)));
        }
        let largest = numeric.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(largest > 1e-3, "class {class}: the gradient is all but zero ({largest:e}), which checks nothing");
        for (k, (&a, &n)) in s.gradient.iter().zip(&numeric).enumerate() {
            let a = f64::from(a);
            let err = (a - n).abs() / a.abs().max(n.abs()).max(0.01 * largest);
            assert!(err < 1e-2, "class {class} pixel {k}: backward {a:e}, central differences {n:e} (error {err:.2e})");
        }
    }
    Ok(())
}

#[test]
fn the_predicted_class_is_the_default_and_a_class_past_the_end_is_refused() -> Result<()> {
    let mut t = trained(10)?;
    let image = vec![0.5; 64];
    let s = t.saliency(&image, None)?;
    assert_eq!(s.class, s.predicted);
    assert_eq!(s.probabilities, t.predict(&image)?);
    assert_eq!(t.saliency(&image, None)?, s, "the same image gives the same bits");
    let err = t.saliency(&image, Some(4)).err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(err, "saliency of class 4: the network has classes 0 to 3");
    assert!(t.saliency(&image[1..], None).is_err(), "an image of the wrong size is refused");
    Ok(())
}

/// Saliency between steps changes nothing a training step reads: the next losses, the weights and
/// the optimizer's state come out with the same bits as a run that never asked.
#[test]
fn saliency_between_steps_leaves_training_unchanged() -> Result<()> {
    let (mut plain, mut asked) = (trained(5)?, trained(5)?);
    let image: Vec<f32> = (0..64).map(|k| (k % 9) as f32 / 8.0).collect();
    for round in 0..4 {
        asked.saliency(&image, None)?;
        asked.saliency(&image, Some(round % 4))?;
        let (a, b) = (plain.train_steps(3)?, asked.train_steps(3)?);
        assert_eq!(a.loss.to_bits(), b.loss.to_bits(), "round {round}: {a:?} vs {b:?}");
        assert_eq!(a.grad_norm.to_bits(), b.grad_norm.to_bits(), "round {round}");
    }
    assert_eq!(plain.network().store.values, asked.network().store.values);
    assert_eq!(plain.network().store.grads, asked.network().store.grads);
    assert_eq!(plain.optimizer(), asked.optimizer());
    assert_eq!(plain.streams(), asked.streams());
    Ok(())
}
