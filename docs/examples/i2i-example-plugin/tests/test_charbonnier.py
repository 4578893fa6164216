"""How a third-party plugin tests itself with the fixtures i2i ships (i2i.testing)."""

import i2i_example_plugin
import torch

from i2i.testing import check_component


def test_registers_a_valid_component(i2i_host):
    i2i_host.add_plugin(i2i_example_plugin)
    component = i2i_host.registries.losses.get("example.charbonnier")
    check_component(component)


def test_loss_is_epsilon_when_prediction_equals_target(i2i_host):
    i2i_host.add_plugin(i2i_example_plugin)
    loss = i2i_host.registries.losses.create({"name": "example.charbonnier", "epsilon": 0.5})
    image = torch.rand(2, 1, 8, 8)
    value, logs = loss(image, image)
    assert torch.isclose(value, torch.tensor(0.5))
    assert logs == {"example.charbonnier/loss": 0.5}
