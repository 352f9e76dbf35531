# amp-agent's BR2_EXTERNAL tree: the agent and the host nanopb generator it is built with.
include $(sort $(wildcard $(BR2_EXTERNAL_AMP_AGENT_PATH)/package/*/*.mk))
