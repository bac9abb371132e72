"""The experiments on their small setting: the command writes real tables and figures with the right rows."""

import csv
import json

import pytest
import torch

from neurokit import Brain, BrainConfig, Hippocampus
from neurokit.cli import main
from neurokit.data import load_mnist
from neurokit.experiments import EXPERIMENTS, new_digit
from neurokit.experiments.common import markdown_table, summarize
from neurokit.experiments.label_efficiency import balanced_labels
from neurokit.experiments.speed import plain_recall
from neurokit.training import train_supervised

TEST_SIZE = {name: module.SMALL.test_size for name, module in EXPERIMENTS.items()}
FILES = {"ablation": ["ablation"], "label-efficiency": ["label_efficiency"], "new-digit": ["new_digit", "consolidation"], "speed": ["speed_training", "speed_recall", "gate"]}


@pytest.fixture(scope="module")
def results(tmp_path_factory, mnist_dir):
    """Each experiment run once through the command line on its small setting; new-digit's training data is recorded."""
    out = tmp_path_factory.mktemp("experiments")
    seen_by_training = []
    original = new_digit.train_brain

    def recording_train_brain(config, images, labels, **options):
        seen_by_training.append((images, labels))
        return original(config, images, labels, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(new_digit, "train_brain", recording_train_brain)
        for name in EXPERIMENTS:
            assert main(["experiment", name, "--small", "--quiet", "--out", str(out), "--data-dir", str(mnist_dir)]) == 0
    return out, seen_by_training


def read(out, name) -> tuple[list[dict], list[dict], dict]:
    with (out / f"{name}.csv").open() as file:
        summary = list(csv.DictReader(file))
    with (out / f"{name}_per_seed.csv").open() as file:
        rows = list(csv.DictReader(file))
    return summary, rows, json.loads((out / f"{name}.json").read_text())


def assert_real_accuracy(value: str, test_size: int):
    """An accuracy on n test images is a count of right answers divided by n."""
    accuracy = float(value)
    assert 0.0 <= accuracy <= 1.0
    assert abs(accuracy * test_size - round(accuracy * test_size)) < 1e-3


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_every_experiment_writes_its_tables_and_figure(results, name):
    out, _ = results
    for stem in FILES[name]:
        summary, rows, record = read(out, stem)
        assert record["setting_name"] == "small" and record["command"].startswith("neurokit experiment " + name)
        seeds = record["setting"]["seeds"]
        assert len(seeds) >= 2 and {int(row["seed"]) for row in rows} == set(seeds)
        assert all(int(line["seeds"]) == len(seeds) for line in summary)
        assert len(rows) == len(summary) * len(seeds)
        markdown = (out / f"{stem}.md").read_text()
        assert markdown.count("\n|") == len(summary) + 2 and "±" in markdown
        assert (out / f"{stem}.png").stat().st_size > 10_000


def test_ablation_has_every_arm_with_real_accuracies(results):
    summary, rows, _ = read(results[0], "ablation")
    assert [(line["source"], line["pretraining"]) for line in summary] == [(s, p) for p in ("yes", "no") for s in ("cortex", "memory", "mixture")]
    for row in rows:
        assert_real_accuracy(row["test_accuracy"], TEST_SIZE["ablation"])
    for line in summary:
        if line["source"] != "cortex":  # one epoch on 1,000 images: memory is well above chance already
            assert float(line["test_accuracy_mean"]) > 0.5


def test_label_efficiency_counts_balanced_labels(results):
    summary, rows, _ = read(results[0], "label_efficiency")
    assert [(int(line["labels"]), line["start"]) for line in summary] == [(n, s) for n in (10, 100, 2000) for s in ("pretrained", "scratch")]
    for row in rows:
        for source in ("classifier", "memory", "memory_before_training"):
            assert_real_accuracy(row[source], TEST_SIZE["label-efficiency"])
    everything = {line["start"]: float(line["memory_mean"]) for line in summary if line["labels"] == "2000"}
    assert min(everything.values()) > 0.8


def test_balanced_labels_are_balanced_distinct_and_seeded(mnist_dir):
    _, labels = load_mnist(True, mnist_dir, download=False)
    chosen = balanced_labels(labels, 100, seed=0)
    assert len(set(chosen.tolist())) == 100
    assert torch.bincount(labels[chosen], minlength=10).tolist() == [10] * 10
    assert torch.equal(chosen, balanced_labels(labels, 100, seed=0)) and not torch.equal(chosen, balanced_labels(labels, 100, seed=1))
    assert len(balanced_labels(labels, None, seed=0)) == len(labels)


def test_new_digit_is_absent_from_training_and_only_memory_can_learn_it(results, mnist_dir):
    out, seen_by_training = results
    summary, rows, record = read(out, "new_digit")
    digit = record["setting"]["held_out_digit"]
    assert len(seen_by_training) == len(record["setting"]["seeds"])
    train_images, train_labels = load_mnist(True, mnist_dir, download=False)
    small = record["setting"]["train_size"]
    for images, labels in seen_by_training:
        assert not (labels == digit).any()
        assert len(labels) == int((train_labels[:small] != digit).sum())
        digit_images = train_images[:small][train_labels[:small] == digit]
        assert not (images.flatten(1)[:, None, :] == digit_images.flatten(1)[None, :, :]).all(-1).any()
    assert [(int(line["shots"]), line["part"]) for line in summary] == [(s, p) for s in (0, 1, 5, 10) for p in ("new digit", "other digits")]
    for row in rows:
        assert int(row["draws"]) == (record["setting"]["draws"] if row["shots"] != "0" else 1)
        if row["part"] == "new digit":
            assert float(row["cortex"]) == 0.0  # the classifier never learned the digit
            if row["shots"] == "0":
                assert float(row["memory"]) == 0.0
        assert 0.0 < float(row["gate"]) < 1.0


def test_sleep_teaches_the_cortex_only_through_replay(results):
    summary, rows, record = read(results[0], "consolidation")
    assert [(line["phase"], line["part"]) for line in summary] == [(phase, part) for phase in new_digit.PHASES for part in ("new digit", "other digits")]
    by = {(row["seed"], row["phase"], row["part"]): float(row["cortex"]) for row in rows}
    awake, sleep, alone = new_digit.PHASES
    for seed in map(str, record["setting"]["seeds"]):
        assert by[(seed, awake, "new digit")] == 0.0 and by[(seed, sleep, "new digit")] > 0.0
        assert by[(seed, alone, "new digit")] >= by[(seed, sleep, "new digit")]
        assert by[(seed, alone, "other digits")] < by[(seed, awake, "other digits")], "fine-tuning on the new digit alone must cost the others"
    for row in rows:
        assert 0.0 <= float(row["cortex"]) <= 1.0 and 0.0 <= float(row["mixture"]) <= 1.0


def test_speed_compares_with_plain_cnn_and_cdist(results):
    summary, rows, _ = read(results[0], "speed_training")
    assert [line["model"] for line in summary] == ["plain CNN", "brain (gated mixture)"]
    for row in rows:
        assert_real_accuracy(row["test_accuracy"], TEST_SIZE["speed"])
        assert float(row["train_seconds"]) > 0
    summary, rows, _ = read(results[0], "speed_recall")
    assert [int(line["memory_size"]) for line in summary] == list(EXPERIMENTS["speed"].SMALL.memory_sizes)
    for row in rows:
        assert float(row["same_neighbours"]) == 1.0 and float(row["largest_probability_difference"]) < 1e-4
        assert float(row["hippocampus_qps"]) > 0 and float(row["cdist_topk_qps"]) > 0


def test_gate_report_compares_the_mixture_with_each_source_and_the_oracle(results):
    summary, rows, _ = read(results[0], "gate")
    assert [line["measure"] for line in summary] == ["all", "where cortex and memory disagree"]
    for row in rows:
        values = {name: float(row[name]) for name in ("mixture", "cortex", "memory", "oracle")}
        assert values["oracle"] >= max(values.values()) - 1e-9
        if row["measure"] == "all":
            assert int(row["count"]) == TEST_SIZE["speed"]
            for value in values.values():
                assert_real_accuracy(value, TEST_SIZE["speed"])
        else:
            assert abs(values["cortex"] + values["memory"] - values["oracle"]) < 1e-9 and values["cortex"] + values["memory"] <= 1 + 1e-9


def test_plain_recall_finds_what_the_hippocampus_finds():
    torch.manual_seed(0)
    memory = Hippocampus(500, 16, 10, k=5, temperature=0.1)
    memory.write(torch.randn(500, 16), torch.randint(0, 10, (500,)))
    queries = torch.randn(40, 16)
    recall = memory.recall(queries)
    probabilities, nearest = plain_recall(queries, memory.keys, memory.labels, k=5, temperature=0.1)
    assert torch.equal(recall.slots.sort(1).values, nearest.sort(1).values)
    assert torch.allclose(recall.log_probs.exp(), probabilities, atol=1e-4)


def test_summary_is_the_mean_and_spread_over_seeds():
    rows = [{"seed": s, "arm": arm, "value": v} for s, (arm, v) in enumerate([("a", 0.5), ("a", 0.7), ("b", 0.9), ("a", 0.6)])]
    summary = summarize(rows, ("arm",), ("value",))
    assert summary[0] == {"arm": "a", "value_mean": pytest.approx(0.6), "value_std": pytest.approx(0.1), "seeds": 3}
    assert summary[1] == {"arm": "b", "value_mean": 0.9, "value_std": 0.0, "seeds": 1}
    table = markdown_table(summary, {"arm": "arm"}, {"value": "value (%)"}, ("value",))
    assert "| a | 60.00 ± 10.00 | 3 |" in table


def test_one_source_alone_trains_only_itself(mnist_dir):
    images, labels = load_mnist(True, mnist_dir, download=False)
    images, labels = images[:300], labels[:300]
    config = BrainConfig(memory_capacity=300, train_epochs=1, threads=2)
    cortex_only = Brain(config)
    train_supervised(cortex_only, images, labels, progress=False, sources=("cortex",))
    assert cortex_only.hippocampus.size == 0
    memory_only = Brain(config)
    pfc_before = memory_only.pfc.state_dict()
    pfc_before = {name: value.clone() for name, value in pfc_before.items()}
    train_supervised(memory_only, images, labels, progress=False, sources=("memory",))
    assert memory_only.hippocampus.size == 300
    assert all(torch.equal(value, memory_only.pfc.state_dict()[name]) for name, value in pfc_before.items())
    with pytest.raises(ValueError, match="sources must name"):
        train_supervised(Brain(config), images, labels, progress=False, sources=("thalamus",))


def test_experiment_command_refuses_bad_options_before_training(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["experiment", "ablation", "--seeds", "0"])
    assert "at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["experiment", "dreaming"])
    blocked = tmp_path / "file"
    blocked.write_text("a file, not a folder")
    assert main(["experiment", "ablation", "--out", str(blocked / "results")]) == 2
    assert "choose another folder with --out" in capsys.readouterr().err
