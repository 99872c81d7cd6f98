package demo

import (
	"math/rand/v2"
	"strings"

	"github.com/huiqi/huiqi"
)

// wording is how a sector's firms describe themselves: the items of a
// business scope (经营范围) as registration authorities word them, and the
// products a firm names as its main ones (主营产品).
type wording struct {
	scope    []string
	products []string
}

// wordings gives every sector its scope items, the core one first, and its
// products, so that text conditions such as 经营范围含「鞋」 find the firms
// a policy means.
var wordings = map[*sector]wording{
	shoes: {
		scope:    []string{"鞋制造", "鞋帽批发", "鞋帽零售", "皮革制品制造", "体育用品及器材制造", "服装服饰批发", "货物进出口", "技术进出口"},
		products: []string{"运动鞋", "休闲鞋", "皮鞋", "童鞋", "凉鞋", "鞋底", "鞋面", "户外鞋"},
	},
	garments: {
		scope:    []string{"服装制造", "服饰制造", "服装服饰批发", "服装服饰零售", "针纺织品销售", "服装辅料销售", "货物进出口"},
		products: []string{"休闲服装", "运动服", "童装", "夹克", "西裤", "T恤", "校服", "女装"},
	},
	textiles: {
		scope:    []string{"面料纺织加工", "针织或钩针编织物及其制品制造", "面料印染加工", "化纤织造加工", "纺纱加工", "针纺织品及原料销售", "货物进出口"},
		products: []string{"针织面料", "涤纶面料", "经编布", "纱线", "无纺布", "印染布"},
	},
	ceramics: {
		scope:    []string{"日用陶瓷制品制造", "陶瓷制品销售", "工艺美术品及礼仪用品制造", "特种陶瓷制品制造", "货物进出口"},
		products: []string{"白瓷茶具", "陶瓷工艺品", "日用陶瓷", "陶瓷餐具", "瓷雕", "陶瓷花盆"},
	},
	tiles: {
		scope:    []string{"建筑陶瓷制品加工制造", "卫生陶瓷制品制造", "建筑材料销售", "轻质建筑材料制造"},
		products: []string{"瓷砖", "仿古砖", "抛光砖", "外墙砖", "岩板"},
	},
	tea: {
		scope:    []string{"茶叶种植", "茶叶制品生产", "茶叶加工", "茶具销售", "食用农产品初加工", "农副产品销售", "互联网销售（除销售需要许可的商品）"},
		products: []string{"铁观音", "乌龙茶", "茶叶", "红茶", "茶礼盒", "毛茶"},
	},
	petrochem: {
		scope:    []string{"化工产品生产（不含许可类化工产品）", "化工产品销售（不含许可类化工产品）", "合成材料制造（不含危险化学品）", "专用化学产品制造（不含危险化学品）", "塑料制品制造"},
		products: []string{"聚丙烯", "丙烯腈", "己内酰胺", "合成树脂", "化工新材料", "石油化工产品"},
	},
	stone: {
		scope:    []string{"建筑用石加工", "石料开采加工", "石材销售", "园林绿化工程施工", "建筑装饰材料销售"},
		products: []string{"花岗岩板材", "大理石", "石材异型加工", "石雕", "人造石"},
	},
	building: {
		scope:    []string{"水泥制品制造", "轻质建筑材料制造", "建筑材料销售", "砼结构构件制造", "新型建筑材料制造（不含危险化学品）"},
		products: []string{"商品混凝土", "加气砖", "水泥预制件", "建筑砌块", "干混砂浆"},
	},
	crafts: {
		scope:    []string{"工艺美术品及礼仪用品制造", "工艺美术品及收藏品零售", "木制容器制造", "竹制品制造", "货物进出口"},
		products: []string{"树脂工艺品", "木雕", "石雕工艺品", "圣诞礼品", "家居饰品"},
	},
	sanitary: {
		scope:    []string{"卫生洁具制造", "卫生洁具销售", "五金产品制造", "阀门和旋塞研发", "家居用品销售", "货物进出口"},
		products: []string{"水龙头", "花洒", "卫浴五金", "阀门", "智能马桶", "水暖管件"},
	},
	electronics: {
		scope:    []string{"电子元器件制造", "电子专用材料研发", "光电子器件制造", "智能家庭消费设备制造", "通信设备制造", "软件开发"},
		products: []string{"LED灯珠", "电子元器件", "对讲机", "智能传感器", "线路板", "电源适配器"},
	},
	machinery: {
		scope:    []string{"通用设备制造（不含特种设备制造）", "专用设备制造（不含许可类专业设备制造）", "机械零件、零部件加工", "纺织专用设备制造", "工程机械制造", "机械设备销售"},
		products: []string{"纺织机械", "鞋机", "工程机械配件", "数控机床", "包装机械", "液压件"},
	},
	food: {
		scope:    []string{"食品生产", "食品销售", "糕点、面包制造", "饮料生产", "农副产品销售", "食品互联网销售"},
		products: []string{"休闲食品", "糖果", "饼干", "果冻", "调味品", "饮料", "肉制品"},
	},
	plastics: {
		scope:    []string{"塑料制品制造", "塑料制品销售", "橡胶制品制造", "鞋材销售", "合成材料销售"},
		products: []string{"EVA鞋材", "塑胶鞋底", "塑料薄膜", "塑料包装", "橡胶制品"},
	},
	packaging: {
		scope:    []string{"包装材料及制品销售", "纸制品制造", "包装装潢印刷品印刷", "纸和纸板容器制造"},
		products: []string{"纸箱", "彩盒", "包装袋", "纸袋", "标签"},
	},
	incense: {
		scope:    []string{"日用化学产品制造", "香料香精销售", "工艺美术品及礼仪用品销售", "货物进出口"},
		products: []string{"篾香", "线香", "香粉", "盘香"},
	},
	fruit: {
		scope:    []string{"水果种植", "食用农产品初加工", "农业专业及辅助性活动", "农副产品销售"},
		products: []string{"芦柑", "水果", "柑橘", "龙眼"},
	},
	software: {
		scope:    []string{"软件开发", "信息系统集成服务", "信息技术咨询服务", "数据处理和存储支持服务", "人工智能应用软件开发", "网络技术服务"},
		products: []string{"应用软件", "管理软件", "信息系统集成", "小程序开发", "数据服务", "物联网平台"},
	},
	techServices: {
		scope:    []string{"技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "检验检测服务", "工程和技术研究和试验发展", "科技中介服务"},
		products: []string{"检测服务", "技术转让", "研发服务", "认证咨询"},
	},
	wholesale: {
		scope:    []string{"货物进出口", "鞋帽批发", "服装服饰批发", "建筑材料销售", "日用百货销售", "化工产品销售（不含许可类化工产品）", "五金产品批发"},
		products: []string{"鞋服贸易", "建材贸易", "化工原料贸易", "日用品批发", "进出口代理"},
	},
	retail: {
		scope:    []string{"日用百货销售", "服装服饰零售", "鞋帽零售", "互联网销售（除销售需要许可的商品）", "食品销售（仅销售预包装食品）", "家用电器销售"},
		products: []string{"百货零售", "服装零售", "网店零售", "便利店"},
	},
	logistics: {
		scope:    []string{"道路货物运输（不含危险货物）", "国内货物运输代理", "国际货物运输代理", "普通货物仓储服务（不含危险化学品等需许可审批的项目）", "供应链管理服务", "装卸搬运"},
		products: []string{"公路货运", "仓储服务", "货运代理", "供应链服务"},
	},
	catering: {
		scope:    []string{"餐饮服务", "餐饮管理", "食品销售", "外卖递送服务"},
		products: []string{"中餐", "闽南小吃", "团餐", "茶饮"},
	},
	lodging: {
		scope:    []string{"住宿服务", "酒店管理", "餐饮服务", "会议及展览服务"},
		products: []string{"客房", "酒店住宿", "会议服务"},
	},
	business: {
		scope:    []string{"企业管理咨询", "信息咨询服务（不含许可类信息咨询服务）", "广告设计、代理", "广告制作", "会议及展览服务", "市场营销策划"},
		products: []string{"管理咨询", "广告设计", "品牌策划", "会展服务"},
	},
}

// scopeText writes a business scope the way a licence lists it: the
// trade's core item first, then one to four more of the sector's. Licences
// add a standard closing clause and often run to hundreds of characters;
// generated scopes stay within maxScopeBytes, which keeps bulk imports of
// generated data on the decoder's one-pass path (it takes strings of up to
// huiqi.MaxNameLength bytes).
func (w wording) scopeText(r *rand.Rand) string {
	items := append([]string{w.scope[0]}, pickSome(r, w.scope[1:], 1, 4)...)
	text := "一般项目：" + strings.Join(items, "；")
	for len(text) > maxScopeBytes && len(items) > 1 {
		items = items[:len(items)-1]
		text = "一般项目：" + strings.Join(items, "；")
	}
	return text
}

// maxScopeBytes bounds a generated business scope.
const maxScopeBytes = huiqi.MaxNameLength

// productsText names one to three of the sector's products.
func (w wording) productsText(r *rand.Rand) string {
	return strings.Join(pickSome(r, w.products, 1, 3), "、")
}

// pickSome returns between lo and hi distinct items of list, in list
// order, so that a scope reads as registrations list it.
func pickSome(r *rand.Rand, list []string, lo, hi int) []string {
	n := min(len(list), lo+r.IntN(hi-lo+1))
	var out []string
	for i, left := 0, len(list); i < len(list) && len(out) < n; i, left = i+1, left-1 {
		if r.IntN(left) < n-len(out) {
			out = append(out, list[i])
		}
	}
	return out
}
