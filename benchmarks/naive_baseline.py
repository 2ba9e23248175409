"""The straightforward version a researcher would write: one process per checkpoint.

    python benchmarks/naive_baseline.py IMAGES LABELS PAIR WIDTH SEED OUT.pt

One nn.Module, a DataLoader over the training split (full batch, as in the released protocol),
autograd, torch.optim.SGD, scikit-learn metrics on both splits after every epoch. Same data,
split and initialisation as lowcap, so the two do the same work. Not part of lowcap: it is the
yardstick in benchmarks/run.py.
"""

import sys

import torch
from sklearn.metrics import f1_score, roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

from lowcap.core.data import load_pool, pair_data
from lowcap.core.model import MLP, init_params

images, labels, pair, width, seed, out = sys.argv[1:7]
width, seed = int(width), int(seed)
torch.set_num_threads(1)
d = pair_data(*load_pool(images, labels), pair, seed)
x_train, y_train = torch.from_numpy(d.x_train), torch.from_numpy(d.y_train)
x_val, y_val = torch.from_numpy(d.x_val), torch.from_numpy(d.y_val)
loader = DataLoader(TensorDataset(x_train, y_train), batch_size=len(x_train), shuffle=False)

model = MLP(width)
model.load_state_dict(init_params(width, seed, "normal", 0.1))
optimiser = torch.optim.SGD(model.parameters(), lr=0.03)
loss_fn = torch.nn.BCEWithLogitsLoss()
history = []
for epoch in range(101):
    model.eval()
    with torch.no_grad():
        for split, x, y in (("train", x_train, y_train), ("val", x_val, y_val)):
            logits = model(x)
            prob = torch.sigmoid(logits).numpy()
            history.append((epoch, split, loss_fn(logits, y).item(),
                            f1_score(y.numpy(), prob > 0.5, zero_division=0), roc_auc_score(y.numpy(), prob)))
    if epoch == 100:
        break
    model.train()
    for xb, yb in loader:
        optimiser.zero_grad()
        loss_fn(model(xb), yb).backward()
        optimiser.step()
torch.save({"state_dict": model.state_dict(), "history": history}, out)
