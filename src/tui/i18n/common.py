EN = {
    "app.title": "tunewiz",
    "app.subtitle": "from 'should I fine-tune?' to a tested adapter",
    "common.back": "Back",
    "common.next": "Next",
    "common.quit": "Quit",
    "common.home": "Home",
    "common.cancel": "Cancel",
    "common.confirm": "Confirm",
    "common.not_available": "{screen} is not available yet in this version.",
    "common.lang_note": "No string table for this locale; using English.",
    "common.error": "Error",
}
ZH = {
    "app.title": "tunewiz",
    "app.subtitle": "从“该不该微调？”到一个测试过的适配器",
    "common.back": "返回",
    "common.next": "下一步",
    "common.quit": "退出",
    "common.home": "首页",
    "common.cancel": "取消",
    "common.confirm": "确认",
    "common.not_available": "此版本暂不提供{screen}。",
    "common.lang_note": "没有此语言环境的字符串表，使用英文。",
    "common.error": "错误",
}

EN.update({
    "key.quit": "Quit",
    "key.back": "Back",
    "key.home": "Home",
    "confirm.keys": "y: yes · n or Esc: no · Tab, Enter: the buttons",
})
ZH.update({
    "key.quit": "退出",
    "key.back": "返回",
    "key.home": "首页",
    "confirm.keys": "y：是 · n 或 Esc：否 · Tab、回车：按钮",
})
