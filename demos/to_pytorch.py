"""Moons in stepgrad and in PyTorch: the same predictions.

What you built is what PyTorch does: `nn.to_torch` copies the trained MLP into
a `torch.nn.Sequential` (float64), and its scores, loss and gradients agree.
"""

from pathlib import Path

import nn
from engine.files import write_atomically

SEED = 1
ARTICLE = None  # micrograd's moons, not one of the reference articles
#: Checked before the demo runs (demos.registry.missing): one line, exit status 2.
NEEDS = {"torch": "to_pytorch needs PyTorch: pip install 'stepgrad[torch]'"}

N_POINTS, STEPS, ALPHA = 100, 100, 1e-4
#: Grid points per side where the two models' decision functions are compared.
GRID = 25
#: Whose numbers the rows hold, beside the engine's.
PYTORCH = "PyTorch"


def run(s) -> None:
    import torch  # NEEDS: the command line said so in one line if it is missing

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
    ours_grid = [model(p).data for p in grid]
    s.compare(f"scores on a {GRID}×{GRID} grid", theirs_grid, ours_grid, source=PYTORCH)
    s.plot(lambda path: draw_side_by_side(path, grid, ours_grid, theirs_grid, X, y), "side_by_side.png")

    # the page (--html) steps through one point's score: the graph both nets compute
    score = model(X[0])
    score.label = "s0"
    s.main_graph, s.main_parameters = score, model.parameters()
    s.say(f"  (a step-through page, --html, shows the graph of s0 = {score.data:.4f}: the score of")
    s.say(f"   the first point, ({X[0][0]:.4f}, {X[0][1]:.4f}))")

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


def draw_side_by_side(path: Path, grid, ours, theirs, X, y) -> Path:
    """Three panels on the same grid: stepgrad's scores, PyTorch's, and their
    difference (the points drawn on the first two, the class boundary in black)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure
    import io

    from viz.plots import NEGATIVE, POSITIVE

    xs = sorted({p[0] for p in grid})
    ys = sorted({p[1] for p in grid})
    def table(scores):  # grid is x-major: row j of the table is ys[j]
        return [[scores[i * len(ys) + j] for i in range(len(xs))] for j in range(len(ys))]

    fig = Figure(figsize=(15, 4.6), dpi=100, layout="constrained")
    fig.set_facecolor("white")
    FigureCanvasAgg(fig)
    panels = fig.subplots(1, 3)
    # one colour scale for both, white at the boundary (score 0): blue below, red above
    low, high = min(ours + theirs), max(ours + theirs)
    centred = TwoSlopeNorm(vcenter=0.0, vmin=min(low, -1e-9), vmax=max(high, 1e-9))
    for ax, scores, who in ((panels[0], ours, "stepgrad: model(x)"), (panels[1], theirs, "PyTorch: net(x)")):
        shading = ax.contourf(xs, ys, table(scores), levels=20, cmap="coolwarm", norm=centred)
        ax.contour(xs, ys, table(scores), levels=[0.0], colors="black", linewidths=1.5)
        for positive, colour in ((False, NEGATIVE), (True, POSITIVE)):
            chosen = [p for p, label in zip(X, y) if (label > 0) == positive]
            ax.scatter([p[0] for p in chosen], [p[1] for p in chosen], c=colour, edgecolors="black", s=22,
                       label=f"y = {'+1' if positive else '-1'}", zorder=3)
        ax.set(xlabel="x₁", ylabel="x₂", title=f"{who}  (black: score 0)")
        ax.legend(loc="upper right", framealpha=0.9, fontsize=8)
        fig.colorbar(shading, ax=ax, label="score")
    difference = [a - b for a, b in zip(ours, theirs)]
    worst = max(abs(d) for d in difference)
    shading = panels[2].contourf(xs, ys, table(difference), levels=20, cmap="PiYG")
    fig.colorbar(shading, ax=panels[2], label="stepgrad − PyTorch", format="%.1e")
    panels[2].set(xlabel="x₁", ylabel="x₂",
                  title=f"stepgrad − PyTorch: at most {worst:.1e} in size")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return write_atomically(path, buffer.getvalue())
