"""Moons in stepgrad and in PyTorch: the same predictions.

What you built is what PyTorch does: `nn.to_torch` copies the trained MLP into
a `torch.nn.Sequential` (float64), and its scores, loss and gradients agree.
"""

import nn

SEED = 1
ARTICLE = None  # micrograd's moons, not one of the reference articles

N_POINTS, STEPS, ALPHA = 100, 100, 1e-4
#: Grid points per side where the two models' decision functions are compared.
GRID = 25
#: Whose numbers the rows hold, beside the engine's.
PYTORCH = "PyTorch"


def run(s) -> None:
    try:
        import torch
    except ImportError:
        s.expect("PyTorch is installed (pip install 'stepgrad[torch]')", False,
                 "this demo compares with PyTorch, so it needs it")
        return

    X, y = nn.make_moons(N_POINTS, noise=0.1, seed=s.seed)
    model = nn.MLP(2, [16, 16, 1], seed=s.seed)
    steps = s.training_steps(STEPS)
    s.say("What you built is what PyTorch does. In stepgrad:")
    s.say(f"  {model!r}")
    s.say(f"  ({model.num_parameters()} parameters), trained on {N_POINTS} moons points:")
    s.say(f"  max-margin loss + {ALPHA:g}·Σp², {steps} steps of SGD")
    history = nn.fit(model, X, y, loss="hinge", l2_penalty=ALPHA, steps=steps, progress=False)
    s.say(f"  after training: loss {history.loss[-1]:.4f}, accuracy {history.accuracy[-1]:.0%}")
    s.pause("trained")

    s.heading("nn.to_torch(model): the same weights in PyTorch (float64)")
    net = nn.to_torch(model)
    for line in repr(net).splitlines():
        s.say("  " + line)
    s.say("  Row i of a Linear's weight holds neuron i's w, entry i of its bias its b;")
    s.say("  ReLU after each hidden layer, nothing after the last: as in the MLP.")

    s.heading("the same predictions")
    ours = [model(x).data for x in X]
    with torch.no_grad():
        theirs = net(torch.tensor(X, dtype=torch.float64))[:, 0].tolist()
    s.compare(f"scores on the {N_POINTS} training points", theirs, ours, source=PYTORCH)
    s.expect("the same predicted class for every point", all((a > 0) == (b > 0) for a, b in zip(ours, theirs)))
    grid = [[-1.5 + 4.0 * i / (GRID - 1), -1.0 + 2.5 * j / (GRID - 1)] for i in range(GRID) for j in range(GRID)]
    with torch.no_grad():
        theirs_grid = net(torch.tensor(grid, dtype=torch.float64))[:, 0].tolist()
    s.compare(f"scores on a {GRID}×{GRID} grid", theirs_grid, [model(p).data for p in grid], source=PYTORCH)

    s.heading("the same gradients: one more loss, backward in both")
    scores = [model(x) for x in X]
    model.zero_grad()
    loss = nn.hinge_loss(scores, y) + ALPHA * nn.l2(model.parameters())
    loss.backward()
    out = net(torch.tensor(X, dtype=torch.float64))[:, 0]
    labels = torch.tensor(y, dtype=torch.float64)
    reference = torch.relu(1 - labels * out).mean() + ALPHA * sum((p * p).sum() for p in net.parameters())
    reference.backward()
    s.compare("the loss", reference.item(), loss, source=PYTORCH)
    torch_grads = []
    for linear in (m for m in net if isinstance(m, torch.nn.Linear)):
        for row, bias in zip(linear.weight.grad.tolist(), linear.bias.grad.tolist()):
            torch_grads += row + [bias]
    s.compare("every parameter's gradient", torch_grads, [p.grad for p in model.parameters()], source=PYTORCH)
    model.zero_grad()

    s.heading("and back: nn.from_torch(net)")
    back = nn.from_torch(net)
    s.expect("the same weights, exactly", back.state_dict() == model.state_dict())
