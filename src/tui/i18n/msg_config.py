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
ZH.update({
    "config.invalid": "{source}: 配置无效",
    "config.more": "……另有 {count:,} 个问题",
    "config.not_mapping": "文件里应是 YAML 的键值映射，而不是 {kind}",
    "config.not_mapping.file": "文件里应是 YAML 的键值映射",
    "config.number_too_long": "{field}: 一个 {digits:,} 位的数，任何设置都用不了这么大；请给不超过 {max:,} 的整数",
    "config.number_too_large": "{field}: {number} 太大，任何设置都用不了；请给不超过 {max:,} 的整数",
    "config.dpo_adapter_full": "dpo.from_adapter: 适配器只能继续以适配器方式训练；请把 dpo.tuning 设为 lora 或 qlora，"
                               "或者先合并（tunewiz export RUN），再把 model 设为合并后的文件夹来做全量训练",
    "config.dpo_packing": "packing: DPO 比较完整的 chosen 与 rejected 回答，不会打包偏好对；请设 packing: false",
    "config.set_no_equals": "--set {item}: 应写成 key=value，例如 --set max_steps=20",
    "config.set_too_deep": "--set {key}: 键有 {levels:,} 层；配置最多 3 层（例如 --set lora.r=8）",
    "config.file_not_found": "找不到文件",
    "config.not_a_file": "不是文件",
    "config.file_too_large": "{size:,} 字节：运行配置只有几百字节；是不是选错了文件？（请给 YAML 配置，而不是数据集）",
    "config.not_utf8": "不是 UTF-8 文本；请把文件存为 UTF-8",
    "config.unreadable": "无法读取（{reason}）",
    "config.yaml_invalid": "不是有效的 YAML（{problem}）",
    "config.yaml_invalid.at": "第 {line} 行第 {column} 列：不是有效的 YAML（{problem}）",
})
