// Named RL configurations: `mini-rl` is what `npm start` runs on a CPU adapter; `paper-rl` is the
// study's GRPO setting (SPEC §4) for a real GPU.
import type { GrpoConfig } from './config.js';

export const RL_PRESETS: Record<string, Partial<GrpoConfig>> = {
  'mini-rl': {
    steps: 20, prompts_per_step: 8, num_generations: 6, mini_batch_size: 8, micro_batch_size: 8, ppo_epochs: 1,
    learning_rate: 2e-5, beta: 0.001, max_completion_length: 192, max_prompt_length: 256, checkpoint_interval: 5, reward: 'outcome',
  },
  'paper-rl': {
    steps: 200, prompts_per_step: 1024, num_generations: 6, mini_batch_size: 256, micro_batch_size: 16, ppo_epochs: 1,
    learning_rate: 1e-6, beta: 0.001, epsilon: 0.2, epsilon_high: 0.2, dual_clip: 3, loss_type: 'token-mean', scale_rewards: 'group',
    temperature: 1, top_p: 1, max_completion_length: 1024, checkpoint_interval: 10,
  },
};
