//! Saliency: how much each input pixel moves one class's score — the gradient of that class's logit
//! with respect to the input image (Simonyan, Vedaldi and Zisserman 2013). The page draws its
//! magnitude over the image: "what the network looks at".

use crate::error::{Error, Result};
use crate::loss::softmax;
use crate::model::network::Network;

/// The saliency of one image for one class.
#[derive(Debug, Clone, PartialEq)]
pub struct Saliency {
    /// The class whose logit was differentiated.
    pub class: usize,
    /// The class the network predicts (the first of the highest probabilities).
    pub predicted: usize,
    pub probabilities: Vec<f32>,
    /// ∂ logit[class] / ∂ input, one value per input value (c·h·w, NCHW).
    pub gradient: Vec<f32>,
}

/// The saliency of the image of the network's last forward pass (one image, evaluation mode) for
/// `class`, or for the predicted class when `None`. Parameters and their gradients are untouched.
pub fn of_last_forward(net: &mut Network, class: Option<usize>) -> Result<Saliency> {
    let logits = net.logits().example(0);
    let mut probabilities = vec![0.0; logits.len()];
    softmax(logits, &mut probabilities);
    let predicted = first_max(&probabilities);
    let class = class.unwrap_or(predicted);
    if class >= probabilities.len() {
        return Err(Error::Usage(format!(
            "saliency of class {class}: the network has classes 0 to {}",
            probabilities.len() - 1
        )));
    }
    let (mut scratch, mut gradient) = (Vec::new(), Vec::new());
    net.input_gradient(class, &mut scratch, &mut gradient);
    Ok(Saliency { class, predicted, probabilities, gradient })
}

fn first_max(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
