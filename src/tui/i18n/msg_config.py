"""Config problems (`config.<type>`) in Chinese; the English is the engine's registry
(engine/train/config_messages.py). docs/messages.md shows both side by side."""
from engine.messages import templates

EN = templates("config")
ZH = {
    "config.missing": "{field}: 必填",
    "config.extra_forbidden": "{field}: 未知的键；可用的键：{allowed}",
    "config.extra_forbidden.suggest": "{field}: 未知的键（是不是想写 '{suggestion}'？）；可用的键：{allowed}",
    "config.literal_error": "{field}: 不能取 {value}；可选值：{expected}",
    "config.greater_than": "{field}: 应大于 {gt}（实际为 {value}）",
    "config.greater_than_equal": "{field}: 应大于或等于 {ge}（实际为 {value}）",
    "config.less_than": "{field}: 应小于 {lt}（实际为 {value}）",
    "config.less_than_equal": "{field}: 应小于或等于 {le}（实际为 {value}）",
    "config.int_parsing": "{field}: 应为整数，无法把这段文字解析为整数（实际为 {value}）",
    "config.int_from_float": "{field}: 应为整数，而给的数带小数部分（实际为 {value}）",
    "config.int_type": "{field}: 应为整数（实际为 {value}）",
    "config.float_parsing": "{field}: 应为数字，无法把这段文字解析为数字（实际为 {value}）",
    "config.float_type": "{field}: 应为数字（实际为 {value}）",
    "config.bool_parsing": "{field}: 应为布尔值（true / false），无法解读（实际为 {value}）",
    "config.bool_type": "{field}: 应为布尔值（true / false）（实际为 {value}）",
    "config.string_type": "{field}: 应为字符串（实际为 {value}）",
    "config.string_too_short": "{field}: 至少要 {min_length} 个字符（实际为 {value}）",
    "config.string_too_long": "{field}: 最多 {max_length} 个字符（实际为 {value}）",
    "config.list_type": "{field}: 应为列表（实际为 {value}）",
    "config.model_type": "{field}: 应为键值映射（实际为 {value}）",
    "config.name_not_folder_name": "{field}: 只能用字母、数字、'.'、'_' 和 '-'（它会成为文件夹名）（实际为 {value}）",
    "config.node_rank_not_below_nnodes": "{field}: 必须小于 nnodes（{nnodes}）：节点从 0 开始编号（实际为 {value}）",
}
