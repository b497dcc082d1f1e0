"""The MLP's loss written independently with torch ops: the oracle for dlcore's backprop.

Nothing here calls dlcore: the forward pass, the output non-linearities and the errors are
torch's own (``torch.nn.functional``), and the gradient is torch.autograd's.
"""

import torch
import torch.nn.functional as F

HIDDEN = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
OUTPUT = {"softmax": lambda a: torch.softmax(a, dim=1), "sigmoid": torch.sigmoid, "identity": lambda a: a}


def mlp_loss(params, X, T, activation, output, loss, weight_decay):
    """``(1/N) sum_n E^n + (lambda/2) sum_l ||W^l||^2`` for params ``[W1, b1, W2, b2, ...]``."""
    z = X
    n_layers = len(params) // 2
    for l in range(n_layers):
        W, b = params[2 * l], params[2 * l + 1]
        a = F.linear(z, W, b)
        z = HIDDEN[activation](a) if l < n_layers - 1 else a
    logits = z
    if loss == "cross_entropy" and output == "softmax":
        mean_error = F.cross_entropy(logits, T.argmax(dim=1), reduction="sum") / len(X)
    elif loss == "cross_entropy" and output == "sigmoid":
        mean_error = F.binary_cross_entropy_with_logits(logits, T, reduction="sum") / len(X)
    else:
        mean_error = 0.5 * F.mse_loss(OUTPUT[output](logits), T, reduction="sum") / len(X)
    decay = 0.5 * weight_decay * sum((params[2 * l] ** 2).sum() for l in range(n_layers))
    return mean_error + decay


def autograd_gradients(params_numpy, X, T, activation, output, loss, weight_decay):
    """Loss value and gradients ``[dW1, db1, ...]`` (numpy, float64) by torch.autograd."""
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params_numpy]
    value = mlp_loss(params, torch.tensor(X, dtype=torch.float64), torch.tensor(T, dtype=torch.float64),
                     activation, output, loss, weight_decay)
    value.backward()
    return float(value.detach()), [p.grad.numpy() for p in params]
