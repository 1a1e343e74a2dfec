// A SHAMISA training configuration small enough for exact comparisons, shared by the training and
// quality-model tests: ResNet-18 x0.25, 32-pixel crops, N = 2·2·(1 + 2·2) = 20 nodes, 4 steps, a
// checkpoint every 2.
#ifndef SHAMISA_TESTS_TINY_TRAIN_CONFIG_H_
#define SHAMISA_TESTS_TINY_TRAIN_CONFIG_H_

#include "shamisa/train_config.h"

namespace shamisa::test {

inline TrainConfig tiny_train_config(Objective objective = Objective::kShamisa) {
  TrainConfig c;
  c.name = "tiny";
  c.objective = objective;
  c.steps = 4;
  c.encoder = {18, 0.25};
  c.projector_hidden = 32;
  c.projector_out = 16;
  c.prototypes = 8;
  c.items_per_step = 1;
  c.item.n_refs = 2;
  c.item.crop = 32;
  c.item.compositions = 2;
  c.item.composition.levels = 2;
  c.relations.knn_k = 5;
  c.checkpoint_every = 2;
  return c;
}

}  // namespace shamisa::test

#endif  // SHAMISA_TESTS_TINY_TRAIN_CONFIG_H_
